package demo

import (
	_ "embed"
	"strings"
	"sync"
)

//go:embed data/companies.tsv
var companiesTSV string

// listedCompany is a real company listed on an A-share market: its
// registered name and the names it had before.
type listedCompany struct {
	name        string
	shortName   string // 简称
	englishName string
	formerShort string // the former short name, if it changed
	formerNames []string
	places      []int // regions of the place its name begins with, or nil
	industry    string
}

var listedCompanies = sync.OnceValue(func() []listedCompany {
	t := regions()
	lines := strings.Split(strings.TrimRight(companiesTSV, "\r\n"), "\n")
	out := make([]listedCompany, 0, len(lines))
	for _, line := range lines[1:] { // after the header
		f := strings.Split(strings.TrimRight(line, "\r"), "\t")
		if len(f) < 4 || f[0] == "" {
			panic("demo: embedded companies.tsv: malformed line " + line)
		}
		c := listedCompany{name: f[0], shortName: strings.TrimSpace(f[1]), englishName: strings.TrimSpace(f[2]),
			places: t.placeOf(f[0]), industry: industryOfName(f[0])}
		if len(f) > 4 {
			c.formerShort = strings.TrimSpace(f[4])
		}
		for _, n := range strings.Split(f[3], "|") {
			if n = strings.TrimSpace(n); n != "" && n != c.name {
				c.formerNames = append(c.formerNames, n)
			}
		}
		out = append(out, c)
	}
	return out
})

// industryByWord guesses a listed company's GB/T 4754-2017 industry class
// from a word in its name; the first match wins.
var industryByWord = []struct{ word, code string }{
	{"银行", "J6621"}, {"证券", "J6712"}, {"保险", "J6811"}, {"信托", "J6911"}, {"租赁", "J6631"},
	{"地产", "K7010"}, {"置业", "K7010"}, {"物业", "K7020"},
	{"药业", "C2720"}, {"制药", "C2720"}, {"医药", "C2720"}, {"生物", "C2761"}, {"医疗", "C3581"},
	{"半导体", "C3973"}, {"集成电路", "C3973"}, {"微电子", "C3973"}, {"光电", "C3976"}, {"电子", "C3982"},
	{"软件", "I6513"}, {"信息", "I6531"}, {"网络", "I6429"}, {"通信", "C3921"}, {"通讯", "C3921"}, {"数据", "I6550"},
	{"汽车", "C3611"}, {"电气", "C3821"}, {"电力", "D4411"}, {"能源", "D4411"}, {"电池", "C3841"}, {"光伏", "C3825"},
	{"水务", "D4610"}, {"燃气", "D4511"}, {"环保", "N7721"}, {"环境", "N7721"},
	{"钢铁", "C3120"}, {"特钢", "C3120"}, {"铝业", "C3216"}, {"铜业", "C3211"}, {"有色", "C3219"}, {"矿业", "B0911"},
	{"煤", "B0610"}, {"石油", "C2511"}, {"石化", "C2511"}, {"化工", "C2614"}, {"化学", "C2614"}, {"水泥", "C3011"},
	{"建设", "E4790"}, {"建工", "E4790"}, {"建筑", "E4790"}, {"路桥", "E4812"}, {"装饰", "E5011"},
	{"港", "G5532"}, {"航空", "G5611"}, {"航运", "G5521"}, {"物流", "G5821"}, {"铁路", "G5320"}, {"高速", "G5443"}, {"交通", "G5443"},
	{"酒", "C1512"}, {"乳业", "C1440"}, {"食品", "C1499"}, {"饮料", "C1529"}, {"农", "A0111"}, {"牧", "A0313"}, {"种业", "A0511"},
	{"纺织", "C1713"}, {"服饰", "C1810"}, {"服装", "C1810"}, {"家居", "C2110"}, {"家具", "C2110"}, {"家电", "C3851"}, {"电器", "C3851"},
	{"传媒", "R8621"}, {"文化", "R8621"}, {"出版", "R8621"}, {"影视", "R8730"}, {"旅游", "N7861"}, {"酒店", "H6110"},
	{"百货", "F5211"}, {"商业", "F5211"}, {"零售", "F5211"}, {"贸易", "F5199"}, {"商贸", "F5199"},
	{"机械", "C3499"}, {"重工", "C3511"}, {"装备", "C3599"}, {"精密", "C3484"}, {"材料", "C2669"}, {"新材", "C2669"},
	{"科技", "I6513"}, {"技术", "M7590"}, {"投资", "L7212"}, {"控股", "L7212"}, {"集团", "L7211"},
}

func industryOfName(name string) string {
	for _, w := range industryByWord {
		if strings.Contains(name, w.word) {
			return w.code
		}
	}
	return "C3499"
}
