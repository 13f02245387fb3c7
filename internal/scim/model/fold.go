/*
Copyright 2026 &Money.

Licensed under the Apache License, Version 2.0 (the "License");
you may not use this file except in compliance with the License.
You may obtain a copy of the License at

    http://www.apache.org/licenses/LICENSE-2.0

Unless required by applicable law or agreed to in writing, software
distributed under the License is distributed on an "AS IS" BASIS,
WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
See the License for the specific language governing permissions and
limitations under the License.
*/

package model

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Fold is the form of a userName in which two userNames that Entra treats as the same are equal. Filters,
// the field index and uniqueness claims all use it, and nothing else compares userNames: if a filter missed
// a userName that a POST then refused as taken, Entra would loop on create → 409.
//
// Two userNames are the same when they are equal after:
//
//  1. Unicode normalisation to NFC, so that "å" typed as a + combining ring equals the precomposed "å";
//  2. Unicode simple case folding, character by character (RFC 7643 makes userName caseExact false; Entra
//     compares UPNs without regard to case). Simple, not full, folding: every character folds to one
//     character, as .NET's and Go's case-insensitive comparisons do, so "ß" stays "ß" and does not equal
//     "ss", and the dotted capital "İ" stays itself. It does fold the characters plain lower-casing gets
//     wrong: the Kelvin sign "K" equals "k", the final sigma "ς" equals "σ" and "Σ", the long s "ſ" equals
//     "s";
//  3. NFC again, as folding can leave a sequence that composes.
//
// ASCII userNames, nearly all of them, take a fast path with the same result: plain lower-casing.
func Fold(userName string) string {
	ascii := true
	for i := 0; i < len(userName); i++ {
		if userName[i] >= utf8.RuneSelf {
			ascii = false
			break
		}
	}
	if ascii {
		return strings.ToLower(userName)
	}
	folded := strings.Map(foldRune, norm.NFC.String(userName))
	return norm.NFC.String(folded)
}

// foldRune maps a character to one representative of its simple case folding orbit (the set
// unicode.SimpleFold walks): the lower case of its upper case, which is the orbit's usual lower-case
// member (σ for Σ, σ and ς; k for K, k and the Kelvin sign). A character without case maps to itself.
func foldRune(r rune) rune {
	if unicode.SimpleFold(r) == r {
		return r
	}
	return unicode.ToLower(unicode.ToUpper(r))
}
