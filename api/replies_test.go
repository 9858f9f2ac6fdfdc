package api_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/credo-registry/credo"
	"github.com/credo-registry/credo/api"
)

// TestReplies: the organization publishes a reply to its penalty with its
// own account; everyone sees it beside the penalty, in the report the
// latest one; bad input changes nothing.
func TestReplies(t *testing.T) {
	e := newProcessEnv(t)
	e.postJSON("/v1/subjects", tokenHuaibei, goodSubject(codeHuaibei, "淮北市某某商贸有限公司")).wantStatus(http.StatusCreated)
	penalty := idOf(e.record(tokenHuaibei, goodRecord(codeHuaibei, "REPLY-1")))
	own := e.account("huaibei-org", codeHuaibei)
	other := e.account("shanghai-org", codeShanghai)
	path := "/v1/subjects/" + codeHuaibei + "/replies"
	target := map[string]any{"kind": "record", "id": penalty}

	t.Run("bad input is refused, naming the field, and changes nothing", func(t *testing.T) {
		for _, c := range []struct {
			name   string
			token  string
			body   map[string]any
			status int
			code   credo.ErrorCode
			field  string
			reason string
		}{
			{"no text", own, map[string]any{"target": target}, 422, credo.EINVALID, "text", "required"},
			{"blank text", own, map[string]any{"target": target, "text": "  \n "}, 422, credo.EINVALID, "text", "required"},
			{"too long", own, map[string]any{"target": target, "text": strings.Repeat("已", credo.MaxReplyLength+1)}, 422, credo.EINVALID, "text", "too_long"},
			{"control characters", own, map[string]any{"target": target, "text": "已缴清\x07"}, 422, credo.EINVALID, "text", "control"},
			{"an identity number", own, map[string]any{"target": target, "text": "法定代表人 " + residentID}, 422, credo.EINVALID, "text", ""},
			{"no target", own, map[string]any{"text": "已缴清"}, 422, credo.EINVALID, "target.kind", "required"},
			{"a target of no kind", own, map[string]any{"target": map[string]any{"kind": "case", "id": 1}, "text": "已缴清"}, 422, credo.EINVALID, "target.kind", "enum"},
			{"an unknown record", own, map[string]any{"target": map[string]any{"kind": "record", "id": 999999}, "text": "已缴清"}, 404, credo.ENOTFOUND, "target.id", "unknown"},
			{"another organization's code", other, map[string]any{"target": target, "text": "已缴清"}, 403, credo.EFORBIDDEN, "code", "subject"},
			{"an authority's token", tokenHuaibei, map[string]any{"target": target, "text": "已缴清"}, 403, credo.EFORBIDDEN, "", "role"},
			{"an unknown field", own, map[string]any{"target": target, "text": "已缴清", "html": true}, 422, credo.EINVALID, "html", "unknown_field"},
		} {
			p := e.postJSON(path, c.token, c.body).problem(c.status, c.code)
			if p.Field != c.field || c.reason != "" && p.Reason != c.reason {
				t.Errorf("%s: field %q reason %q, want %q %q (%s)", c.name, p.Field, p.Reason, c.field, c.reason, p.Detail)
			}
		}
		e.postJSON(path, "", map[string]any{"target": target, "text": "已缴清"}).problem(401, credo.EUNAUTHORIZED)
		var got api.Replies
		e.get(path).wantStatus(200).decode(&got)
		if len(got.Replies) != 0 {
			t.Fatalf("after refused replies: %+v", got.Replies)
		}
	})

	first := "罚款已于2026年3月10日缴清，<script>alert(1)</script>"
	var r1, r2 credo.Reply
	e.postJSON(path, own, map[string]any{"target": target, "text": first}).wantStatus(http.StatusCreated).decode(&r1)
	e.postJSON(path, own, map[string]any{"target": target, "text": "整改已完成，整改报告已报送淮北市市场监督管理局。"}).wantStatus(http.StatusCreated).decode(&r2)
	if r1.ID == 0 || r2.ID <= r1.ID || r1.Text != first || r1.By != "account:huaibei-org" || r1.Subject != codeHuaibei {
		t.Fatalf("replies as stored: %+v %+v", r1, r2)
	}

	t.Run("everyone reads every reply, oldest first", func(t *testing.T) {
		var got api.Replies
		e.get(path).wantStatus(200).decode(&got)
		if len(got.Replies) != 2 || got.Replies[0].ID != r1.ID || got.Replies[1].ID != r2.ID || got.Replies[0].Text != first || got.Replies[0].By != "" {
			t.Fatalf("GET replies: %+v (the public is not told the account)", got.Replies)
		}
		e.do("GET", path, own, "", nil).wantStatus(200).decode(&got)
		if len(got.Replies) != 2 || got.Replies[0].By != "account:huaibei-org" {
			t.Fatalf("GET replies as the organization: %+v", got.Replies)
		}
		e.get("/v1/subjects/"+codeShanghai+"/replies").problem(404, credo.ENOTFOUND)
		e.get("/v1/subjects/91340600MA2N0XXXXX/replies").problem(422, credo.EINVALID)
	})
	t.Run("the report shows the latest reply to each item", func(t *testing.T) {
		var rep api.Report
		e.get("/v1/subjects/" + codeHuaibei + "/report").wantStatus(200).decode(&rep)
		if len(rep.Replies) != 1 || rep.Replies[0].ID != r2.ID || rep.Replies[0].Target.ID != penalty {
			t.Fatalf("report replies: %+v", rep.Replies)
		}
	})
	t.Run("each reply is in the change log", func(t *testing.T) {
		cs, err := e.store.Changes(t.Context(), credo.ChangeQuery{Types: []string{credo.ChangeReplyPublished}})
		if err != nil || len(cs) != 2 || cs[0].Subject != codeHuaibei {
			t.Fatalf("reply.published changes: %v %v", cs, err)
		}
	})
}
