package demo

import (
	"strconv"
	"time"

	"github.com/credo-registry/credo/uscc"
)

// Surnames, the most common first, with weights roughly their share of the
// population (per mille).
var surnames = []string{
	"王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭", "何", "林", "罗", "高",
	"郑", "梁", "谢", "宋", "唐", "许", "韩", "冯", "邓", "曹", "彭", "曾", "肖", "田", "董", "袁", "潘", "于", "蒋", "蔡",
	"余", "杜", "叶", "程", "苏", "魏", "吕", "丁", "任", "沈", "姚", "卢", "姜", "崔", "钟", "谭", "陆", "汪", "范", "金",
	"石", "廖", "贾", "夏", "韦", "付", "方", "白", "邹", "孟", "熊", "秦", "邱", "江", "尹", "薛", "闫", "段", "雷", "侯",
	"龙", "史", "陶", "黎", "贺", "顾", "毛", "郝", "龚", "邵", "万", "钱", "严", "覃", "武", "戴", "莫", "孔", "向", "汤",
	"欧阳", "上官", "司马", "诸葛",
}

var surnameCum = func() []float64 {
	w := make([]float64, len(surnames))
	for i := range w {
		switch {
		case i < 5:
			w[i] = 60
		case i < 20:
			w[i] = 20
		case i < 50:
			w[i] = 8
		case i < 100:
			w[i] = 4
		default:
			w[i] = 0.3
		}
	}
	return cumulative(w)
}()

var (
	givenMale    = []string{"伟", "强", "磊", "军", "洋", "勇", "杰", "涛", "明", "超", "刚", "平", "辉", "鹏", "华", "飞", "鑫", "波", "斌", "宇", "浩", "凯", "健", "俊", "帆", "旭", "宁", "龙", "林", "峰", "建", "国", "志", "文", "海", "东", "成", "晨", "阳", "振", "亮", "良", "庆", "德", "永", "春", "军", "博", "昊", "锋"}
	givenFemale  = []string{"芳", "娜", "敏", "静", "丽", "艳", "娟", "霞", "秀", "玲", "英", "燕", "萍", "红", "雪", "琳", "婷", "慧", "颖", "洁", "倩", "晶", "梅", "兰", "丹", "琴", "云", "莉", "欣", "怡", "月", "佳", "悦", "蕾", "薇"}
	givenNeutral = []string{"子", "雨", "思", "一", "嘉", "晓", "小", "新", "金", "玉", "秋", "春", "立", "永", "文"}
)

// person is a natural person of the demo: an officer or shareholder. The
// same person index always gives the same person, so people who sit in
// several organizations link them, as the registry's person keys will.
type person struct {
	name     string
	idNumber string
}

// residentWeights are the GB 11643 weights of the first 17 digits.
var residentWeights = [17]int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}

// person returns person p, born in region (an index into the region
// table) or, when region is negative, anywhere.
func (g *generator) person(p int, region int) person {
	r := newRNG(g.seed, streamPerson, p)
	t := regions()
	if region < 0 || r.chance(0.35) {
		region = t.pick(&r)
	}
	male := r.chance(0.7) // officers of Chinese firms are mostly men
	name := surnames[weighted(&r, surnameCum)]
	given := givenFemale
	if male {
		given = givenMale
	}
	if r.chance(0.7) { // a two-character given name
		if r.chance(0.35) {
			name += pick(&r, givenNeutral)
		} else {
			name += pick(&r, given)
		}
	}
	name += pick(&r, given)

	age := r.between(24, 68)
	birth := g.nowTime.AddDate(-age, 0, -r.intn(365))
	var b [18]byte
	copy(b[:6], t.regions[region].idRegion)
	y, m, d := birth.Date()
	put := func(at, width, v int) {
		for i := at + width - 1; i >= at; i-- {
			b[i] = byte('0' + v%10)
			v /= 10
		}
	}
	put(6, 4, y)
	put(10, 2, int(m))
	put(12, 2, d)
	seq := r.intn(100)*10 + r.intn(5)*2
	if male {
		seq++ // odd for men
	}
	for {
		put(14, 3, seq)
		sum := 0
		for i := range 17 {
			sum += int(b[i]-'0') * residentWeights[i]
		}
		b[17] = "10X98765432"[sum%11]
		// About one number in 340 also reads as a valid organization
		// code, which the registry then will not take for a person's.
		if !uscc.Valid(string(b[:])) {
			break
		}
		seq = (seq + 10) % 1000
	}
	return person{name: name, idNumber: string(b[:])}
}

// dayTime returns midnight UTC of a day number (days since 1970-01-01).
func dayTime(day int64) time.Time { return time.Unix(day*86400, 0).UTC() }

func itoa(n int) string { return strconv.Itoa(n) }
