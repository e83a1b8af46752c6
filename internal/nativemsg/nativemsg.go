// Package nativemsg reads and writes browser native messaging frames: a
// 32-bit length in native byte order followed by that many bytes of UTF-8
// JSON.
package nativemsg

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// Limits of the protocol.
const (
	// MaxIncoming caps a frame from the browser. Chrome allows 64 MiB, but
	// ramsso's largest message carries one SAMLResponse (≤ 100,000
	// characters) plus a console RequestParams copy: 1 MiB is ample.
	MaxIncoming = 1 << 20
	// MaxOutgoing is the browser's limit on host → browser messages.
	MaxOutgoing = 1 << 20
)

// ErrTooLarge is returned for frames over the limits.
var ErrTooLarge = errors.New("native message too large")

// ReadFrame reads one frame's payload. io.EOF means a clean end of input
// between frames; io.ErrUnexpectedEOF a frame cut short.
func ReadFrame(r io.Reader) ([]byte, error) {
	var hdr [4]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		return nil, err
	}
	n := binary.NativeEndian.Uint32(hdr[:])
	if n > MaxIncoming {
		return nil, fmt.Errorf("%w: %d bytes (limit %d)", ErrTooLarge, n, MaxIncoming)
	}
	buf := make([]byte, n)
	if _, err := io.ReadFull(r, buf); err != nil {
		if errors.Is(err, io.EOF) {
			err = io.ErrUnexpectedEOF
		}
		return nil, err
	}
	return buf, nil
}

// WriteFrame writes payload as one frame.
func WriteFrame(w io.Writer, payload []byte) error {
	if len(payload) > MaxOutgoing {
		return fmt.Errorf("%w: %d bytes (limit %d)", ErrTooLarge, len(payload), MaxOutgoing)
	}
	buf := make([]byte, 4+len(payload))
	binary.NativeEndian.PutUint32(buf, uint32(len(payload)))
	copy(buf[4:], payload)
	_, err := w.Write(buf)
	return err
}

// WriteJSON marshals v and writes it as one frame.
func WriteJSON(w io.Writer, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encode native message: %w", err)
	}
	return WriteFrame(w, b)
}
