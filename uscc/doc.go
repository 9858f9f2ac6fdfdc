// Package uscc parses, normalizes, validates and describes Unified Social
// Credit Codes (统一社会信用代码), the 18-character identifiers that GB
// 32100-2015 gives every organization in the People's Republic of China.
//
// A code is laid out as
//
//	position 1     registration authority
//	position 2     entity type within that authority
//	positions 3-8  GB/T 2260 division code of the registering authority
//	positions 9-16 organization code body (GB 11714)
//	position 17    organization code check character (GB 11714, MOD 11)
//	position 18    check character of the whole code (MOD 31)
//
// All positions use the 31 characters 0-9 and A-Y without I, O, S, V and Z.
// Input is normalized first (Normalize) because people type codes with
// spaces, hyphens, lower case and full-width characters.
package uscc
