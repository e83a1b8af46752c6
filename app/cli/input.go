package cli

import (
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/ramsso/ramsso/internal/saml"
)

// maxInput caps what ramsso reads as a SAMLResponse: far above the 100,000
// characters STS accepts, low enough that a wrong file cannot exhaust memory.
const maxInput = saml.MaxInputBytes

// readSAMLInput reads a SAMLResponse from a file name, or stdin for "-" or "".
func readSAMLInput(name string, stdin io.Reader) ([]byte, error) {
	var r io.Reader = stdin
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
	data, err := io.ReadAll(io.LimitReader(r, maxInput+1))
	if err != nil {
		return nil, fmt.Errorf("read SAMLResponse: %w", err)
	}
	if len(data) > maxInput {
		return nil, &saml.Error{Code: saml.CodeTooLarge, Message: fmt.Sprintf("input is over %d MiB: this is not a SAMLResponse (STS accepts at most %d characters)", maxInput>>20, saml.MaxAssertionChars)}
	}
	return data, nil
}
