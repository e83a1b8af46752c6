package saml

import (
	"encoding/base64"
	"encoding/binary"
	"errors"
	"reflect"
	"strings"
	"testing"
	"unicode/utf16"
)

// utf16Bytes encodes s as UTF-16 in the given order, with a BOM if asked.
func utf16Bytes(s string, order binary.AppendByteOrder, bom bool) []byte {
	var out []byte
	units := utf16.Encode([]rune(s))
	if bom {
		units = append([]uint16{0xFEFF}, units...)
	}
	for _, u := range units {
		out = order.AppendUint16(out, u)
	}
	return out
}

// TestDecodeWindowsText: what PowerShell 5 (`>` writes UTF-16 LE with a
// BOM), Notepad and `Out-File -Encoding utf8` (UTF-8 with a BOM) save is
// decoded, base64, form bodies and XML alike.
func TestDecodeWindowsText(t *testing.T) {
	doc := readFixture(t, "okta.xml")
	std := base64.StdEncoding.EncodeToString(doc)
	utf16Doc := strings.Replace(string(doc), `encoding="UTF-8"`, `encoding="UTF-16"`, 1)
	tests := []struct {
		name  string
		input []byte
	}{
		{"base64, UTF-8 BOM", append([]byte("\ufeff"), std+"\r\n"...)},
		{"base64, UTF-16 LE BOM (PowerShell 5)", utf16Bytes(std+"\r\n", binary.LittleEndian, true)},
		{"base64, UTF-16 BE BOM", utf16Bytes(std+"\r\n", binary.BigEndian, true)},
		{"base64, UTF-16 LE no BOM", utf16Bytes(std, binary.LittleEndian, false)},
		{"base64, UTF-16 BE no BOM", utf16Bytes(std+"\n", binary.BigEndian, false)},
		{"form body, UTF-16 LE BOM", utf16Bytes("SAMLResponse="+std, binary.LittleEndian, true)},
		{"XML declared UTF-16, UTF-16 LE BOM", utf16Bytes(utf16Doc, binary.LittleEndian, true)},
		{"XML, UTF-16 BE no BOM", utf16Bytes(string(doc), binary.BigEndian, false)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := Decode(tt.input)
			if err != nil {
				t.Fatalf("Decode: %v", err)
			}
			if !reflect.DeepEqual(r.Roles, wantRoles) {
				t.Errorf("Roles = %+v, want %+v", r.Roles, wantRoles)
			}
		})
	}
}

// TestDecodeBinaryNamesEncoding: NUL bytes that are not UTF-16 are named
// as an encoding problem, not "not a SAMLResponse".
func TestDecodeBinaryNamesEncoding(t *testing.T) {
	_, err := Decode([]byte{0x50, 0x4b, 0x03, 0x04, 0x14, 0x00, 0x00, 0x00, 0x08, 0x00})
	var se *Error
	if !errors.As(err, &se) || se.Code != CodeInvalidEncoding || !strings.Contains(se.Message, "UTF-8") {
		t.Fatalf("error %v, want %s naming UTF-8", err, CodeInvalidEncoding)
	}
}
