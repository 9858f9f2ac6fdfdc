package demo

// Characters of 字号, the distinctive part of a Chinese firm's name; two of
// them (rarely three) make one: 鑫泰, 华盛, 恒达.
var tradeChars = []string{
	"华", "信", "达", "宏", "盛", "鑫", "源", "丰", "泰", "恒", "瑞", "祥", "隆", "兴", "汇", "通", "德", "安", "康", "新",
	"嘉", "诚", "创", "联", "博", "远", "金", "海", "天", "宇", "晟", "昊", "润", "晨", "卓", "睿", "锦", "鼎", "元", "中",
	"正", "福", "顺", "美", "优", "聚", "荣", "旺", "亿", "佳", "和", "泽", "益", "诺", "智", "领", "航", "峰", "悦", "欣",
	"辰", "凯", "星", "蓝", "云", "光", "明", "启", "科", "迪", "维", "特", "思", "捷", "奥", "普", "尚", "品", "誉", "众",
	"合", "弘", "腾", "骏", "驰", "豪", "威", "力", "立", "高", "东", "万", "方", "宁", "平", "永", "长", "富", "利", "茂",
	"昌", "彩", "百", "千", "银", "玉", "森", "林", "江", "山", "川", "春", "熙", "坤", "乾", "骐", "麒", "灏", "煜", "翔",
}

// industry is a line of business: the word in a firm's name, its GB/T
// 4754-2017 class codes, and the median registered capital of such firms.
type industry struct {
	word    string
	codes   []string
	capital float64 // median registered capital, CNY
	weight  float64
}

var enterpriseIndustries = []industry{
	{"科技", []string{"I6513", "M7590", "I6531"}, 1e6, 14},
	{"信息技术", []string{"I6531", "I6513", "I6560"}, 1e6, 5},
	{"网络科技", []string{"I6429", "I6432", "L7251"}, 1e6, 5},
	{"贸易", []string{"F5199", "F5193", "F5181"}, 1e6, 12},
	{"商贸", []string{"F5199", "F5219"}, 5e5, 5},
	{"建设工程", []string{"E4790", "E4813", "E4812"}, 1e7, 6},
	{"装饰工程", []string{"E5012", "E5011"}, 2e6, 4},
	{"食品", []string{"C1499", "C1411", "F5129"}, 2e6, 4},
	{"医药", []string{"F5151", "C2720", "C2740"}, 5e6, 2},
	{"生物科技", []string{"C2761", "M7340"}, 5e6, 2},
	{"物流", []string{"G5821", "G5431", "G5920"}, 2e6, 5},
	{"供应链管理", []string{"L7224"}, 5e6, 2},
	{"环保科技", []string{"N7723", "N7721", "N7722"}, 5e6, 2},
	{"电子", []string{"C3982", "C3971", "F5179"}, 3e6, 4},
	{"光电", []string{"C3976"}, 5e6, 1},
	{"服装", []string{"C1810", "C1830", "F5132"}, 1e6, 3},
	{"纺织", []string{"C1713", "C1711"}, 3e6, 1},
	{"餐饮管理", []string{"H6210", "H6220", "H6241"}, 5e5, 4},
	{"酒店管理", []string{"H6110"}, 3e6, 1},
	{"机械设备", []string{"C3499", "C3599", "F5179"}, 3e6, 3},
	{"智能装备", []string{"C3491", "C3599"}, 1e7, 1},
	{"新材料", []string{"C2669", "C2929"}, 1e7, 1},
	{"塑胶制品", []string{"C2929"}, 2e6, 1},
	{"化工", []string{"C2614", "C2619", "F5169"}, 1e7, 1},
	{"新能源", []string{"D4416", "C3825", "C3841"}, 1e7, 2},
	{"房地产开发", []string{"K7010"}, 5e7, 2},
	{"物业管理", []string{"K7020"}, 1e6, 2},
	{"文化传媒", []string{"L7259", "R8870"}, 1e6, 3},
	{"广告", []string{"L7251", "L7259"}, 5e5, 1},
	{"投资管理", []string{"L7212"}, 1e7, 2},
	{"企业管理咨询", []string{"L7249", "L7243"}, 5e5, 3},
	{"人力资源", []string{"L7263", "L7262"}, 2e6, 1},
	{"汽车销售服务", []string{"F5261"}, 5e6, 1},
	{"家具", []string{"C2110", "F5283"}, 2e6, 1},
	{"建材", []string{"F5165", "C3021"}, 1e6, 2},
	{"农业科技", []string{"A0141", "M7511"}, 1e6, 2},
	{"教育科技", []string{"P8399", "P8394"}, 1e6, 1},
	{"运输", []string{"G5431", "G5821"}, 2e6, 2},
	{"劳务", []string{"L7263", "E4999"}, 1e6, 1},
	{"安防科技", []string{"I6531", "F5179"}, 2e6, 1},
}

var enterpriseIndustryCum = industryCum(enterpriseIndustries)

func industryCum(xs []industry) []float64 {
	w := make([]float64, len(xs))
	for i, x := range xs {
		w[i] = x.weight
	}
	return cumulative(w)
}

// A shop's trade, the word in its name, its class and how the name ends.
type trade struct {
	word     string
	code     string
	suffixes []string
}

var shopTrades = []trade{
	{"五金", "F5281", []string{"店", "经营部", "商行"}},
	{"便利", "F5213", []string{"店"}},
	{"超市", "F5212", []string{""}},
	{"餐饮", "H6210", []string{"店", "馆"}},
	{"小吃", "H6291", []string{"店"}},
	{"早餐", "H6291", []string{"店"}},
	{"服装", "F5232", []string{"店", "商行"}},
	{"水果", "F5223", []string{"店", "批发部"}},
	{"烟酒", "F5227", []string{"商行", "店"}},
	{"建材", "F5165", []string{"经营部", "商行"}},
	{"美发", "O8040", []string{"店", "工作室"}},
	{"汽车维修", "O8111", []string{"部", "厂"}},
	{"日用百货", "F5219", []string{"店", "商行"}},
	{"茶叶", "F5226", []string{"店", "行"}},
	{"粮油", "F5221", []string{"店", "经营部"}},
	{"家电", "F5272", []string{"经营部", "商行"}},
	{"手机", "F5274", []string{"店"}},
	{"装饰材料", "F5289", []string{"经营部"}},
	{"干洗", "O8030", []string{"店"}},
	{"摄影", "O8060", []string{"工作室", "部"}},
}

// A cooperative's produce.
var cooperativeTrades = []trade{
	{"蔬菜种植", "A0141", nil},
	{"水果种植", "A0159", nil},
	{"茶叶种植", "A0164", nil},
	{"水稻种植", "A0111", nil},
	{"中药材种植", "A0171", nil},
	{"食用菌种植", "A0142", nil},
	{"生猪养殖", "A0313", nil},
	{"肉牛养殖", "A0311", nil},
	{"家禽养殖", "A0321", nil},
	{"水产养殖", "A0412", nil},
	{"农机", "A0512", nil},
	{"农民", "A0190", nil},
}

// Public institutions (事业单位): the name after the place.
var institutionNames = []trade{
	{"人民医院", "Q8411", nil},
	{"中医医院", "Q8412", nil},
	{"妇幼保健院", "Q8415", nil},
	{"疾病预防控制中心", "Q8431", nil},
	{"实验小学", "P8321", nil},
	{"第一中学", "P8334", nil},
	{"第二中学", "P8331", nil},
	{"职业技术学校", "P8336", nil},
	{"图书馆", "R8831", nil},
	{"档案馆", "R8832", nil},
	{"博物馆", "R8850", nil},
	{"公共资源交易中心", "L7213", nil},
	{"产品质量监督检验所", "M7452", nil},
	{"广播电视台", "R8720", nil},
	{"农业技术推广中心", "M7511", nil},
}

// Private non-enterprise units (民办非企业单位): the name after the 字号.
var nonEnterpriseNames = []trade{
	{"职业技能培训学校", "P8391", nil},
	{"艺术培训中心", "P8393", nil},
	{"幼儿园", "P8310", nil},
	{"养老院", "Q8514", nil},
	{"社会工作服务中心", "Q8521", nil},
	{"康复医院", "Q8415", nil},
	{"文化艺术中心", "R8870", nil},
}

var chineseOrdinals = []string{"第一", "第二", "第三", "第四", "第五"}
