package uscc

// authorities maps the registration authority character (position 1) to
// its machine word, following GB 32100-2015.
var authorities = map[byte]string{
	'1': "organs",
	'2': "foreign_affairs",
	'3': "justice",
	'4': "culture",
	'5': "civil_affairs",
	'6': "tourism",
	'7': "religion",
	'8': "trade_union",
	'9': "market_regulation",
	'A': "military",
	'N': "agriculture",
	'Y': "other",
}

// entityTypes maps authority and entity type (positions 1 and 2) to the
// entity type's machine word; a pair missing here breaks the structure.
var entityTypes = map[[2]byte]string{
	{'1', '1'}: "organ",
	{'1', '2'}: "public_institution",
	{'1', '3'}: "mass_organization",
	{'1', '9'}: "other",
	{'2', '1'}: "foreign_news_agency",
	{'2', '9'}: "other",
	{'3', '1'}: "law_firm",
	{'3', '2'}: "notary",
	{'3', '3'}: "legal_service",
	{'3', '4'}: "forensic_appraisal",
	{'3', '5'}: "arbitration",
	{'3', '9'}: "other",
	{'4', '1'}: "foreign_cultural_center",
	{'4', '9'}: "other",
	{'5', '1'}: "social_organization",
	{'5', '2'}: "private_non_enterprise",
	{'5', '3'}: "foundation",
	{'5', '9'}: "other",
	{'6', '1'}: "foreign_tourism_office",
	{'6', '2'}: "hk_macao_taiwan_tourism_office",
	{'6', '9'}: "other",
	{'7', '1'}: "religious_venue",
	{'7', '2'}: "religious_school",
	{'7', '9'}: "other",
	{'8', '1'}: "trade_union",
	{'8', '9'}: "other",
	{'9', '1'}: "enterprise",
	{'9', '2'}: "individual_business",
	{'9', '3'}: "farmers_cooperative",
	{'9', '9'}: "other", // not in GB 32100's list, but some validators accept it
	{'A', '1'}: "military_public_institution",
	{'A', '9'}: "other",
	{'N', '1'}: "group_collective",
	{'N', '2'}: "village_collective",
	{'N', '3'}: "township_collective",
	{'N', '9'}: "other",
	{'Y', '1'}: "other",
}

// AuthorityName returns the machine word for a registration authority
// character (position 1), such as "market_regulation" for '9', or "" when
// the character names no authority.
func AuthorityName(b byte) string {
	return authorities[b]
}

// EntityTypeName returns the machine word for entity type typ (position 2)
// under authority auth (position 1), such as "enterprise" for '9', '1', or
// "" when GB 32100 lists no such pair. Catch-all types are "other".
func EntityTypeName(auth, typ byte) string {
	return entityTypes[[2]byte{auth, typ}]
}
