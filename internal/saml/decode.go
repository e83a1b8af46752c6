package saml

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net/url"
	"slices"
	"strings"
)

// MaxInputBytes is the most input Decode and DecodeReader look at. A
// SAMLResponse STS accepts is at most MaxAssertionChars of base64; the
// margin leaves room for form encoding, line wrapping and URL escapes.
const MaxInputBytes = 4 << 20

// CodeReadError is the code DecodeReader's caller should report when the
// input could not be read at all (the file or stdin failed, not the data).
const CodeReadError = "read_error"

// formField is the HTTP-POST binding's form field name.
const formField = "SAMLResponse"

// Decode decodes a SAMLResponse given in any of the forms a user may paste
// or a browser may capture:
//
//   - raw XML, when the first non-space byte is '<';
//   - an application/x-www-form-urlencoded body, when the input contains
//     "SAMLResponse=" (the field is form-decoded, '+' meaning space, before
//     the base64 is read; spaces left by an IdP that did not escape '+' are
//     turned back into '+');
//   - otherwise base64: standard or URL-safe, padded or not, with line
//     breaks and other whitespace ignored.
//
// Text saved by Windows tools is accepted too: a UTF-8 byte order mark is
// dropped, and UTF-16 (either byte order, with or without a byte order
// mark) is converted to UTF-8 first.
//
// Every error it returns is an *Error with one of the Code* constants.
func Decode(input []byte) (*Response, error) {
	if len(input) > MaxInputBytes {
		return nil, tooLarge(len(input), "bytes of input")
	}
	input, err := toUTF8(input)
	if err != nil {
		return nil, err
	}
	trimmed := bytes.TrimLeft(input, " \t\r\n\ufeff")
	if len(trimmed) > 0 && trimmed[0] == '<' {
		return DecodeXML(input)
	}
	if bytes.Contains(input, []byte(formField+"=")) {
		value, err := formValue(input)
		if err != nil {
			return nil, err
		}
		if v := strings.TrimLeft(value, " \t\r\n"); strings.HasPrefix(v, "<") {
			return DecodeXML([]byte(value))
		}
		doc, err := decodeBase64(value, true)
		if err != nil {
			return nil, err
		}
		return DecodeXML(doc)
	}
	doc, err := decodeBase64(string(input), false)
	if err != nil {
		return nil, err
	}
	return DecodeXML(doc)
}

// DecodeReader reads at most MaxInputBytes from r and decodes it as Decode
// does, without reading an oversized input into memory first. A failure to
// read is returned as an *Error with Code CodeReadError.
func DecodeReader(r io.Reader) (*Response, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxInputBytes+1))
	if err != nil {
		return nil, &Error{
			Code:    CodeReadError,
			Message: fmt.Sprintf("Could not read the SAML response: %v.", err),
			Err:     fmt.Errorf("read SAML response: %w", err),
		}
	}
	if len(data) > MaxInputBytes {
		return nil, tooLarge(MaxInputBytes, "bytes of input (or more)")
	}
	return Decode(data)
}

// formValue extracts the SAMLResponse field from a form body.
func formValue(input []byte) (string, error) {
	body := strings.TrimSpace(string(input))
	// A body copied from a browser's network panel may have the URL's
	// query in front of it; ParseQuery handles the fields either way.
	if i := strings.IndexByte(body, '?'); i >= 0 && i < strings.Index(body, formField+"=") {
		body = body[i+1:]
	}
	// ParseQuery keeps going after a bad escape and reports the first one;
	// the field we want may still be intact.
	values, perr := url.ParseQuery(body)
	if v, ok := values[formField]; ok && len(v) > 0 && strings.TrimSpace(v[0]) != "" {
		return v[0], nil
	}
	if perr != nil {
		return "", &Error{
			Code:    CodeInvalidEncoding,
			Message: "The input looks like a form body but its SAMLResponse field is not valid URL encoding: paste the raw field value or the base64 instead.",
			Err:     fmt.Errorf("parse form body: %w", perr),
		}
	}
	return "", &Error{
		Code:    CodeInvalidEncoding,
		Message: "The form body's SAMLResponse field is empty: capture the POST to the Alibaba Cloud SSO endpoint again.",
	}
}

// decodeBase64 decodes a base64 SAMLResponse. fromForm says the text came
// out of form decoding, where a space almost surely was a '+'.
//
// Whitespace in base64 is ambiguous: line wrapping adds it, and a '+' the
// IdP did not escape becomes a space when the form is decoded. Up to three
// readings are tried and the first that decodes to something XML-shaped
// wins.
func decodeBase64(text string, fromForm bool) ([]byte, error) {
	modes := []spaceMode{spacesInterior, spacesDrop, spacesPlus}
	if fromForm {
		modes = []spaceMode{spacesPlus, spacesInterior, spacesDrop}
	}
	if !strings.ContainsAny(text, " \t\r\n\f\v") {
		modes = modes[:1] // every reading is the text itself
	}
	var firstErr error
	tried := make([]string, 0, len(modes))
	for _, mode := range modes {
		c := normalizeSpaces(text, mode)
		if len(c) == 0 {
			return nil, &Error{
				Code:    CodeInvalidEncoding,
				Message: "The input is empty: give a SAMLResponse as base64, a form body or XML.",
			}
		}
		if slices.Contains(tried, c) {
			continue
		}
		tried = append(tried, c)
		if len(strings.TrimRight(c, "=")) > MaxAssertionChars {
			return nil, tooLarge(len(c), "base64 characters")
		}
		doc, err := decodeBase64Strict(c)
		if err != nil {
			if firstErr == nil {
				firstErr = err
			}
			continue
		}
		if looksLikeXML(doc) {
			return doc, nil
		}
		if firstErr == nil {
			firstErr = errors.New("decoded bytes are not XML")
		}
	}
	return nil, &Error{
		Code:    CodeInvalidEncoding,
		Message: "The input is not a SAMLResponse: expected XML, a form body with SAMLResponse=, or base64 that decodes to XML.",
		Err:     fmt.Errorf("decode base64: %w", firstErr),
	}
}

// decodeBase64Strict decodes standard or URL-safe base64, padded or not.
func decodeBase64Strict(s string) ([]byte, error) {
	s = strings.TrimRight(s, "=")
	if strings.ContainsAny(s, "-_") {
		s = strings.NewReplacer("-", "+", "_", "/").Replace(s)
	}
	dst := make([]byte, base64.RawStdEncoding.DecodedLen(len(s)))
	n, err := base64.RawStdEncoding.Decode(dst, []byte(s))
	return dst[:n], err
}

type spaceMode int

const (
	spacesDrop     spaceMode = iota // every whitespace character removed
	spacesPlus                      // spaces become '+', other whitespace removed
	spacesInterior                  // a lone space between two non-space characters becomes '+'
)

func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v'
}

// normalizeSpaces applies one reading of whitespace to base64 text.
func normalizeSpaces(s string, mode spaceMode) string {
	if !strings.ContainsAny(s, " \t\r\n\f\v") {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !isSpace(c) {
			b.WriteByte(c)
			continue
		}
		if c != ' ' {
			continue
		}
		switch mode {
		case spacesPlus:
			b.WriteByte('+')
		case spacesInterior:
			if i > 0 && i+1 < len(s) && !isSpace(s[i-1]) && !isSpace(s[i+1]) {
				b.WriteByte('+')
			}
		}
	}
	return b.String()
}

// looksLikeXML says whether decoded bytes start, after whitespace and an
// optional byte order mark, with '<'.
func looksLikeXML(doc []byte) bool {
	doc = bytes.TrimPrefix(doc, []byte("\ufeff"))
	doc = bytes.TrimLeft(doc, " \t\r\n")
	return len(doc) > 0 && doc[0] == '<'
}

func tooLarge(n int, what string) *Error {
	return &Error{
		Code: CodeTooLarge,
		Message: fmt.Sprintf("The SAML response is too large (%d %s): Alibaba Cloud STS accepts at most %d base64 characters; send fewer roles or attributes from the IdP.",
			n, what, MaxAssertionChars),
	}
}
