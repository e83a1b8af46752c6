package cli

import (
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/ramsso/ramsso/internal/saml"
)

// decodeSAMLInput decodes a SAMLResponse from a file name, or stdin for
// "-" or "". saml.DecodeReader caps what it reads, so a wrong file cannot
// exhaust memory.
func decodeSAMLInput(name string, stdin io.Reader) (*saml.Response, error) {
	r := stdin
	if name != "" && name != "-" {
		f, err := os.Open(name)
		if err != nil {
			return nil, fmt.Errorf("read SAMLResponse: %w", err)
		}
		defer f.Close()
		r = f
	}
	if r == nil {
		return nil, errors.New("no SAMLResponse given: pass a file or pipe it on stdin")
	}
	return saml.DecodeReader(r)
}
