package saml

import (
	"bytes"
	"encoding/binary"
	"regexp"
	"unicode/utf16"
	"unicode/utf8"
)

// Byte order marks.
var (
	bomUTF8    = []byte{0xEF, 0xBB, 0xBF}
	bomUTF16LE = []byte{0xFF, 0xFE}
	bomUTF16BE = []byte{0xFE, 0xFF}
)

// xmlDeclUTF16 matches an XML declaration that names UTF-16, which is no
// longer true once the text is UTF-8.
var xmlDeclUTF16 = regexp.MustCompile(`^(\s*<\?xml[^>]*?encoding\s*=\s*["'])(?i:utf-16(?:le|be)?)(["'])`)

// toUTF8 turns input saved by Windows tools into UTF-8: a UTF-8 byte order
// mark is dropped, and UTF-16 (little or big endian, with or without a byte
// order mark, as PowerShell 5's `>` and Notepad write it) is converted.
// Without a mark, UTF-16 is recognised only when it is unambiguous: every
// other byte is zero, which is what ASCII text (base64, a form body, XML
// markup) looks like in UTF-16. Other input with NUL bytes is an error
// that says the input is not text.
func toUTF8(input []byte) ([]byte, error) {
	switch {
	case bytes.HasPrefix(input, bomUTF8):
		return input[len(bomUTF8):], nil
	case bytes.HasPrefix(input, bomUTF16LE):
		return fromUTF16(input[2:], binary.LittleEndian)
	case bytes.HasPrefix(input, bomUTF16BE):
		return fromUTF16(input[2:], binary.BigEndian)
	}
	if bytes.IndexByte(input, 0) < 0 {
		return input, nil
	}
	switch utf16Order(input) {
	case 'L':
		return fromUTF16(input, binary.LittleEndian)
	case 'B':
		return fromUTF16(input, binary.BigEndian)
	}
	return nil, &Error{
		Code:    CodeInvalidEncoding,
		Message: "The input contains NUL bytes and is neither UTF-8 nor UTF-16 text: save the SAMLResponse as plain text (UTF-8) and try again.",
	}
}

// utf16Order reports 'L' or 'B' when input looks like ASCII text in UTF-16
// little or big endian (every odd, or every even, byte zero and the others
// not), and 0 otherwise.
func utf16Order(input []byte) byte {
	n := len(input)
	if n < 4 {
		return 0
	}
	if n%2 == 1 {
		// A trailing newline written as a single byte after UTF-16 text.
		if input[n-1] != '\n' && input[n-1] != 0 {
			return 0
		}
		n--
	}
	le, be := true, true
	for i := 0; i+1 < n; i += 2 {
		a, b := input[i], input[i+1]
		if !(a != 0 && b == 0) {
			le = false
		}
		if !(a == 0 && b != 0) {
			be = false
		}
		if !le && !be {
			return 0
		}
	}
	switch {
	case le:
		return 'L'
	case be:
		return 'B'
	}
	return 0
}

// fromUTF16 decodes UTF-16 bytes in the given order to UTF-8.
func fromUTF16(b []byte, order binary.ByteOrder) ([]byte, error) {
	if len(b)%2 == 1 {
		b = b[:len(b)-1]
	}
	units := make([]uint16, len(b)/2)
	for i := range units {
		units[i] = order.Uint16(b[2*i:])
	}
	runes := utf16.Decode(units)
	out := make([]byte, 0, len(runes))
	for _, r := range runes {
		if r == utf8.RuneError {
			return nil, &Error{
				Code:    CodeInvalidEncoding,
				Message: "The input is UTF-16 text with broken characters: save the SAMLResponse again as plain text (UTF-8) and try again.",
			}
		}
		out = utf8.AppendRune(out, r)
	}
	return xmlDeclUTF16.ReplaceAll(out, []byte("${1}UTF-8${2}")), nil
}
