// Package host is ramsso-host, the native messaging host the browser
// extension talks to. This first version answers ping and refuses every
// other message with a clear error; the capture flow arrives with the
// extension.
package host

import (
	"encoding/json"
	"errors"
	"io"

	"github.com/ramsso/ramsso/internal/nativemsg"
)

// Protocol is the native messaging protocol version.
const Protocol = 1

// ErrorBody is the error object of an error reply.
type ErrorBody struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Remedy  string `json:"remedy"`
}

type errorReply struct {
	OK    bool      `json:"ok"`
	Type  string    `json:"type"`
	ID    string    `json:"id,omitempty"`
	Error ErrorBody `json:"error"`
}

// Serve answers frames from in on out until in ends. It never panics on bad
// input: a malformed frame gets an error reply where one is still possible.
func Serve(in io.Reader, out io.Writer, version string) error {
	for {
		payload, err := nativemsg.ReadFrame(in)
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			_ = nativemsg.WriteJSON(out, errorReply{Type: "error", Error: ErrorBody{
				Code: "bad_frame", Message: "could not read a native message: " + err.Error(),
				Remedy: "update the ramsso extension and ramsso to matching versions"}})
			return err
		}
		var msg struct {
			Type string `json:"type"`
			ID   string `json:"id"`
		}
		if err := json.Unmarshal(payload, &msg); err != nil {
			if werr := nativemsg.WriteJSON(out, errorReply{Type: "error", Error: ErrorBody{
				Code: "bad_message", Message: "a native message was not a JSON object",
				Remedy: "update the ramsso extension and ramsso to matching versions"}}); werr != nil {
				return werr
			}
			continue
		}
		var reply any
		switch msg.Type {
		case "ping":
			reply = map[string]any{"ok": true, "type": "pong", "version": version, "protocol": Protocol}
		default:
			reply = errorReply{Type: "error", ID: msg.ID, Error: ErrorBody{
				Code: "unsupported", Message: "this ramsso-host does not handle " + quote(msg.Type) + " messages",
				Remedy: "update ramsso"}}
		}
		if err := nativemsg.WriteJSON(out, reply); err != nil {
			return err
		}
	}
}

func quote(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}
