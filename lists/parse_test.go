package lists

import (
	"encoding/json"
	"maps"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/credo-registry/credo/rulebook"
)

func TestBundled(t *testing.T) {
	c, err := Bundled()
	if err != nil {
		t.Fatalf("the bundle does not parse: %v", err)
	}
	again, _ := Bundled()
	if again != c {
		t.Error("Bundled parses more than once")
	}
	if l := c.List("serious-dishonesty").LegalBasis; !strings.Contains(l, "49号）；《市场") {
		t.Errorf("folded Chinese text keeps its line-break spaces: %q", l)
	}
	if c.Version == "" {
		t.Error("the catalogue has no version")
	}
	ids := []string{}
	for _, l := range c.Lists {
		ids = append(ids, l.ID)
		if c.List(l.ID) != l {
			t.Errorf("List(%q) is not the definition", l.ID)
		}
		if l.File == "" || l.Line == 0 || l.LegalBasis == "" || l.Criteria == "" || l.Removal == "" || l.Version == "" {
			t.Errorf("list %s: missing file, line, legal basis, criteria, removal or version: %+v", l.ID, l)
		}
	}
	want := []string{"a-taxpayer", "abnormal-operations", "abnormal-status", "major-tax-violation", "red", "serious-dishonesty"}
	if !slices.Equal(ids, want) {
		t.Fatalf("lists %v, want %v", ids, want)
	}
	if c.List("nope") != nil || c.Measure("nope") != nil {
		t.Error("unknown ids give a definition")
	}

	red := c.List("red")
	if red.Kind != "red" || red.Adverse || !red.Public || red.Rule != nil ||
		!slices.Equal(red.Listers, []string{"honour", "tax", "customs", "market"}) ||
		red.TermDefault.String() != "3y" || red.TermMax.String() != "3y" {
		t.Errorf("red: %+v", red)
	}
	at := c.List("a-taxpayer")
	if at.Kind != "domain" || at.Adverse || at.Rule == nil || len(at.Listers) != 0 || !at.TermMax.IsZero() {
		t.Errorf("a-taxpayer: %+v", at)
	}
	ao := c.List("abnormal-operations")
	if !ao.Adverse || ao.Kind != "irregularity" || ao.Rule == nil || !ao.TermMax.IsZero() || ao.RepairDays != 5 ||
		ao.Escalation == nil || ao.Escalation.To != "serious-dishonesty" || ao.Escalation.After.String() != "3y" ||
		ao.Escalation.Notice.String() != "60d" {
		t.Errorf("abnormal-operations: %+v (escalation %+v)", ao, ao.Escalation)
	}
	sd := c.List("serious-dishonesty")
	if !sd.Adverse || sd.Kind != "serious" || sd.Grade != "D" || sd.Rule != nil || sd.Notice.String() != "10d" ||
		sd.TermMin.String() != "1y" || sd.TermMax.String() != "3y" || len(sd.Listers) != 11 {
		t.Errorf("serious-dishonesty: %+v", sd)
	}
	mtv := c.List("major-tax-violation")
	if !mtv.Adverse || mtv.Rule == nil || !slices.Equal(mtv.Listers, []string{"tax"}) || mtv.TermMax.String() != "3y" {
		t.Errorf("major-tax-violation: %+v", mtv)
	}

	// Every action is served by some measure; every measure is found by id.
	served := map[string]bool{}
	for _, m := range c.Measures {
		if c.Measure(m.ID) != m {
			t.Errorf("Measure(%q) is not the measure", m.ID)
		}
		for _, a := range m.Actions {
			served[a] = true
		}
	}
	for _, a := range Actions {
		if !served[a] {
			t.Errorf("no bundled measure concerns %s", a)
		}
	}
	if m := c.Measure("sd.procurement"); m == nil || m.Effect != "prohibit" || m.Trigger.List != "serious-dishonesty" ||
		!strings.Contains(m.LegalBasis, "《中华人民共和国政府采购法》第二十二条") {
		t.Errorf("sd.procurement: %+v", m)
	}
}

func TestDefinitionJSON(t *testing.T) {
	c, err := Bundled()
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(c.List("abnormal-operations"))
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	for k, want := range map[string]any{"id": "abnormal-operations", "term_max": "", "term_min": "", "notice": "",
		"objection_days": 7.0 + 3, "repair_days": 5.0, "legal_basis": c.List("abnormal-operations").LegalBasis} {
		if got[k] != want {
			t.Errorf("%s = %#v, want %#v", k, got[k], want)
		}
	}
	esc, _ := got["escalation"].(map[string]any)
	if esc["after"] != "3y" || esc["to"] != "serious-dishonesty" || esc["notice"] != "60d" {
		t.Errorf("escalation = %#v", got["escalation"])
	}
	if _, ok := got["File"]; ok {
		t.Error("File is in the JSON")
	}
	if r, _ := got["rule"].(map[string]any); r["when"] == "" || r["reason"] == "" {
		t.Errorf("rule = %#v", got["rule"])
	}
	b, _ = json.Marshal(c.List("serious-dishonesty"))
	if !strings.Contains(string(b), `"term_max":"3y"`) || !strings.Contains(string(b), `"term_min":"1y"`) {
		t.Errorf("serious-dishonesty JSON: %s", b)
	}
}

// A small valid catalogue the refusal cases change.
var base = map[string]string{
	"definitions/blacklist.yaml": `apiVersion: credo/v1
id: blacklist
version: "1"
title: 严重失信主体名单
kind: serious
adverse: true
public: true
legal_basis: 国办发〔2020〕49号
basis: {law: {document: 国务院办公厅关于进一步完善失信约束制度构建诚信建设长效机制的指导意见, number: 国办发〔2020〕49号}}
criteria: 严重失信
removal: 期满移出
listers: [market, tax]
notice: 10d
term_min: 1y
term_default: 3y
term_max: 3y
objection_days: 10
repair_days: 10
grade: D
`,
	"definitions/irregular.yaml": `apiVersion: credo/v1
id: irregular
version: "1"
title: 经营异常名录
kind: irregularity
adverse: true
public: true
legal_basis: 《企业经营异常名录管理暂行办法》
basis: {model: "a fixture list of the abnormal operations kind"}
criteria: 未公示年报
removal: 补报后移出
listers: [market]
rule:
  when: 'records.exists(r, r.kind == "annual_report_missing")'
  reason: 未按规定公示年度报告
notice: 0d
term_min: 0d
escalation: {after: 3y, to: blacklist, notice: 60d}
objection_days: 10
repair_days: 7
`,
	"measures.yaml": `version: "1"
measures:
  - id: procurement
    title: 禁止参加政府采购
    kind: punishment
    legal_basis: 《政府采购法》第二十二条
    basis: {model: "a fixture measure excluding the blacklisted"}
    trigger: {list: blacklist}
    actions: [public_procurement]
    effect: prohibit
  - id: tax-d
    title: 提高检查频次
    kind: punishment
    legal_basis: 《纳税信用管理办法》
    basis: {model: "a fixture measure for tax grade D"}
    trigger:
      dimension: tax
      grades: [D]
      when: 'records.size() > 0'
    actions: [inspection_frequency]
    effect: extra_scrutiny
`,
}

func files(change func(map[string]string)) map[string][]byte {
	m := maps.Clone(base)
	if change != nil {
		change(m)
	}
	out := map[string][]byte{}
	for k, v := range m {
		out[k] = []byte(v)
	}
	return out
}

// edit replaces old by new in file name (old must occur).
func edit(t *testing.T, name, old, new string) func(map[string]string) {
	return func(m map[string]string) {
		if !strings.Contains(m[name], old) {
			t.Fatalf("%s has no %q", name, old)
		}
		m[name] = strings.Replace(m[name], old, new, 1)
	}
}

// lineCol returns the position of the first occurrence of marker in src.
func lineCol(t *testing.T, src, marker string) (int, int) {
	i := strings.Index(src, marker)
	if i < 0 {
		t.Fatalf("marker %q not in the file", marker)
	}
	line := strings.Count(src[:i], "\n") + 1
	col := len([]rune(src[strings.LastIndex(src[:i], "\n")+1:i])) + 1
	return line, col
}

func TestParseBase(t *testing.T) {
	c, err := Parse(files(nil))
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Lists) != 2 || len(c.Measures) != 2 || c.Version != "1" {
		t.Fatalf("parsed %d lists, %d measures, version %q", len(c.Lists), len(c.Measures), c.Version)
	}
	if l := c.List("blacklist"); l.File != "definitions/blacklist.yaml" || l.Line != 2 {
		t.Errorf("blacklist defined at %s:%d", l.File, l.Line)
	}
	if m := c.Measure("tax-d"); m.Trigger.Dimension != "tax" || !slices.Equal(m.Trigger.Grades, []string{"D"}) ||
		m.Trigger.When != "records.size() > 0" {
		t.Errorf("tax-d trigger: %+v", m.Trigger)
	}
}

func TestParseRefusals(t *testing.T) {
	const bl, ir, ms = "definitions/blacklist.yaml", "definitions/irregular.yaml", "measures.yaml"
	cases := []struct {
		name   string
		file   string
		old    string
		new    string
		at     string // the text the error points at (in the changed file)
		what   string // "list" or "measure"
		id     string
		field  string
		errMsg string
	}{
		{"rule syntax error", ir, `r.kind == "annual_report_missing")`, `r.kind == )`, `)'`, "list", "irregular", "rule.when", "Syntax error"},
		{"rule type error", ir, `'records.exists(r, r.kind == "annual_report_missing")'`, `'grades["tax"] > 3'`, `> 3`, "list", "irregular", "rule.when", "no matching overload"},
		{"rule not bool", ir, `'records.exists(r, r.kind == "annual_report_missing")'`, `'size(records)'`, `'size`, "list", "irregular", "rule.when", "must be a bool expression"},
		{"rule unknown variable", ir, `'records.exists(r, r.kind == "annual_report_missing")'`, `'record.kind == "x"'`, `record.kind`, "list", "irregular", "rule.when", "undeclared reference"},
		{"rule unknown record field", ir, `r.kind ==`, `r.knid ==`, `.knid`, "list", "irregular", "rule.when", `a record has no field "knid"`},
		{"trigger not bool", ms, `'records.size() > 0'`, `'records.size()'`, `'records.size()'`, "measure", "tax-d", "trigger.when", "must be a bool expression"},
		{"trigger unknown org field", ms, `'records.size() > 0'`, `'org.capital > 10'`, `.capital`, "measure", "tax-d", "trigger.when", `org has no field "capital"`},
		{"unknown list field", bl, "grade: D\n", "grade: D\ncolour: black\n", "colour", "list", "blacklist", "colour", `unknown field "colour"`},
		{"unknown measure field", ms, "    effect: prohibit\n", "    effect: prohibit\n    severity: high\n", "severity", "measure", "procurement", "severity", `unknown field "severity"`},
		{"unknown trigger field", ms, "{list: blacklist}", "{list: blacklist, grade: D}", "grade: D", "measure", "procurement", "trigger.grade", `unknown field "grade"`},
		{"unknown escalation field", ir, "notice: 60d}", "notice: 60d, when: x}", "when: x", "list", "irregular", "escalation.when", "unknown field"},
		{"bad period", bl, "term_max: 3y", "term_max: 3 years", "3 years", "list", "blacklist", "term_max", "not a period"},
		{"bad escalation period", ir, "after: 3y", "after: 3w", "3w", "list", "irregular", "escalation.after", "not a period"},
		{"term_min over term_max", bl, "term_min: 1y", "term_min: 4y", "4y", "list", "blacklist", "term_min", "longer than term_max 3y"},
		{"term_default over term_max", bl, "term_default: 3y", "term_default: 37mo", "37mo", "list", "blacklist", "term_default", "longer than term_max 3y"},
		{"term_min over term_default", bl, "term_min: 1y\nterm_default: 3y\nterm_max: 3y", "term_min: 2y\nterm_default: 1y\nterm_max: 3y", "2y", "list", "blacklist", "term_min", "longer than term_default 1y"},
		{"term_max without default", bl, "term_default: 3y\n", "", "apiVersion", "list", "blacklist", "term_default", "required when term_max is set"},
		{"unknown escalation target", ir, "to: blacklist", "to: greylist", "greylist", "list", "irregular", "escalation.to", `unknown list "greylist"`},
		{"escalation to itself", ir, "to: blacklist", "to: irregular", "irregular,", "list", "irregular", "escalation.to", "itself"},
		{"unknown action", ms, "[public_procurement]", "[public_procurement, tenders]", "tenders", "measure", "procurement", "actions", `unknown value "tenders"`},
		{"unknown effect", ms, "effect: prohibit", "effect: ban", "ban", "measure", "procurement", "effect", `unknown effect "ban"`},
		{"reward that scrutinises", ms, "kind: punishment\n    legal_basis: 《纳税", "kind: reward\n    legal_basis: 《纳税", "extra_scrutiny", "measure", "tax-d", "effect", "a reward's effect"},
		{"reward from an adverse list", ms, "kind: punishment\n    legal_basis: 《政府采购法》第二十二条\n    basis: {model: \"a fixture measure excluding the blacklisted\"}\n    trigger: {list: blacklist}\n    actions: [public_procurement]\n    effect: prohibit",
			"kind: reward\n    legal_basis: 《政府采购法》第二十二条\n    basis: {model: \"a fixture measure excluding the blacklisted\"}\n    trigger: {list: blacklist}\n    actions: [public_procurement]\n    effect: expedite", "blacklist}", "measure", "procurement", "trigger.list", "a reward cannot follow"},
		{"unknown trigger list", ms, "{list: blacklist}", "{list: greylist}", "greylist", "measure", "procurement", "trigger.list", `unknown list "greylist"`},
		{"grades without dimension", ms, "{list: blacklist}", "{list: blacklist, grades: [D]}", "[D]", "measure", "procurement", "trigger.grades", "needs dimension"},
		{"dimension without grades", ms, "      grades: [D]\n", "", "dimension: tax", "measure", "tax-d", "trigger.grades", "required with dimension"},
		{"empty trigger", ms, "{list: blacklist}", "{}", "{}", "measure", "procurement", "trigger", "at least one of"},
		{"unknown kind", bl, "kind: serious", "kind: black", "black\n", "list", "blacklist", "kind", `unknown kind "black"`},
		{"unknown lister", bl, "[market, tax]", "[market, police]", "police", "list", "blacklist", "listers", `unknown value "police"`},
		{"objection days 0", bl, "objection_days: 10", "objection_days: 0", "0\n", "list", "blacklist", "objection_days", "from 1 to 60"},
		{"repair days 61", ir, "repair_days: 7", "repair_days: 61", "61", "list", "irregular", "repair_days", "from 1 to 60"},
		{"adverse without term", ir, "escalation: {after: 3y, to: blacklist, notice: 60d}\n", "", "apiVersion", "list", "irregular", "term_max", "longest term"},
		{"red list adverse", bl, "kind: serious", "kind: red", "true\npublic", "list", "blacklist", "adverse", "cannot be adverse"},
		{"a list with neither basis", bl, "basis: {law: {document: 国务院办公厅关于进一步完善失信约束制度构建诚信建设长效机制的指导意见, number: 国办发〔2020〕49号}}\n", "", "apiVersion", "list", "blacklist", "basis", "is required: law (document, number, article"},
		{"a list citing a law without its number", bl, ", number: 国办发〔2020〕49号}}", "}}", "{document:", "list", "blacklist", "basis.law.number", "is required: the document number"},
		{"a measure with neither basis", ms, "    basis: {model: \"a fixture measure for tax grade D\"}\n", "", "id: tax-d", "measure", "tax-d", "basis", "is required"},
		{"a measure with an empty model", ms, "{model: \"a fixture measure for tax grade D\"}", "{model: ''}", "''", "measure", "tax-d", "basis", "model must say what credo assumes"},
		{"missing legal basis", bl, "legal_basis: 国办发〔2020〕49号\n", "", "apiVersion", "list", "blacklist", "legal_basis", "is required"},
		{"duplicate measure", ms, "id: tax-d", "id: procurement", "procurement\n    title: 提高", "measure", "procurement", "id", "defined twice"},
		{"wrong apiVersion", bl, "credo/v1", "credo/v2", "credo/v2", "list", "blacklist", "apiVersion", `must be "credo/v1"`},
		{"repeated field", bl, "grade: D\n", "grade: D\ngrade: C\n", "grade: C", "list", "blacklist", "grade", "repeats"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			fs := files(edit(t, tc.file, tc.old, tc.new))
			_, err := Parse(fs)
			if err == nil {
				t.Fatal("accepted")
			}
			errs := Errors(err)
			if len(errs) != 1 {
				t.Fatalf("%d errors, want 1: %v", len(errs), err)
			}
			e := errs[0]
			line, col := lineCol(t, string(fs[tc.file]), tc.at)
			if e.File != tc.file || e.Line != line || e.Col != col || e.What != tc.what || e.ID != tc.id || e.Field != tc.field ||
				!strings.Contains(e.Message, tc.errMsg) {
				t.Errorf("got %s\n(%s:%d:%d %s %s field %q)\nwant %s:%d:%d %s %s field %q, message with %q",
					e, e.File, e.Line, e.Col, e.What, e.ID, e.Field, tc.file, line, col, tc.what, tc.id, tc.field, tc.errMsg)
			}
			want := tc.file + ":" + strconv.Itoa(line) + ":" + strconv.Itoa(col) + ": " + tc.what + " " + tc.id + ": " + tc.field + ": "
			if !strings.HasPrefix(e.Error(), want) {
				t.Errorf("Error() = %q, want prefix %q", e.Error(), want)
			}
		})
	}
}

func TestParseReportsAllErrors(t *testing.T) {
	fs := files(func(m map[string]string) {
		edit(t, "definitions/blacklist.yaml", "term_max: 3y", "term_max: forever")(m)
		edit(t, "definitions/irregular.yaml", "to: blacklist", "to: nowhere")(m)
		edit(t, "measures.yaml", "effect: prohibit", "effect: ban")(m)
		m["definitions/broken.yaml"] = "id: [unclosed\n"
	})
	_, err := Parse(fs)
	errs := Errors(err)
	got := []string{}
	for _, e := range errs {
		got = append(got, e.File+" "+e.Field)
	}
	want := []string{"definitions/blacklist.yaml term_max", "definitions/broken.yaml ", "definitions/irregular.yaml escalation.to", "measures.yaml effect"}
	if !slices.Equal(got, want) {
		t.Errorf("errors %q, want %q\n%v", got, want, err)
	}
}

func TestParseDuplicateList(t *testing.T) {
	fs := files(func(m map[string]string) { m["definitions/copy.yaml"] = m["definitions/blacklist.yaml"] })
	_, err := Parse(fs)
	errs := Errors(err)
	if len(errs) != 1 || errs[0].File != "definitions/copy.yaml" || errs[0].ID != "blacklist" || !strings.Contains(errs[0].Message, "defined twice") {
		t.Fatalf("got %v", err)
	}
}

func TestParseUnreachableList(t *testing.T) {
	fs := files(edit(t, "definitions/blacklist.yaml", "listers: [market, tax]\n", ""))
	if _, err := Parse(fs); err != nil {
		t.Fatalf("a list reached by escalation is refused: %v", err)
	}
	fs = files(func(m map[string]string) {
		edit(t, "definitions/blacklist.yaml", "listers: [market, tax]\n", "")(m)
		edit(t, "definitions/irregular.yaml", "to: blacklist", "to: other")(m)
		m["definitions/other.yaml"] = strings.NewReplacer("id: blacklist", "id: other").Replace(base["definitions/blacklist.yaml"])
	})
	_, err := Parse(fs)
	errs := Errors(err)
	if len(errs) != 1 || errs[0].ID != "blacklist" || errs[0].Field != "listers" {
		t.Fatalf("got %v", err)
	}
}

func TestPeriodsAgreeWithRulebook(t *testing.T) {
	c, err := Parse(files(nil))
	if err != nil {
		t.Fatal(err)
	}
	if got := c.List("blacklist").TermMax.Duration(); got != 3*rulebook.Year {
		t.Errorf("3y = %v", got)
	}
}

// The measures file sets the deadlines of cases about records.
func TestRecordDeadlines(t *testing.T) {
	c := catalogue(t)
	if c.Records.ObjectionDays != 10 || c.Records.RepairDays != 10 {
		t.Fatalf("bundled: %+v", c.Records)
	}
	withRecords := func(section string) map[string][]byte {
		return files(func(m map[string]string) {
			m["measures.yaml"] = strings.Replace(m["measures.yaml"], "measures:\n", section+"measures:\n", 1)
		})
	}
	c, err := Parse(withRecords("records:\n  repair_days: 15\n"))
	if err != nil || c.Records.RepairDays != 15 || c.Records.ObjectionDays != 10 {
		t.Fatalf("15 days: %v %+v", err, c)
	}
	if c, err = Parse(files(nil)); err != nil || c.Records.RepairDays != 10 {
		t.Fatalf("without a records section: %v %+v", err, c)
	}
	for _, bad := range []struct{ section, want string }{
		{"records:\n  repair_days: 0\n", "records.repair_days"},
		{"records:\n  repair_dayz: 5\n", "repair_dayz"},
		{"records:\n  objection_days: ten\n", "records.objection_days"},
	} {
		if _, err := Parse(withRecords(bad.section)); err == nil || !strings.Contains(err.Error(), bad.want) {
			t.Errorf("%q: %v, want an error naming %s", bad.section, err, bad.want)
		}
	}
}
