package host

import (
	"encoding/json"
	"fmt"
)

// MinProtocol is the oldest native messaging protocol this host still
// speaks; Protocol is the newest.
const MinProtocol = 1

// CodeProtocolMismatch: the extension and the host share no protocol.
const CodeProtocolMismatch = "protocol_mismatch"

// pingMessage is what an extension says about itself in a ping. Builds
// before negotiation send a bare {"type":"ping"}: protocol 1.
type pingMessage struct {
	Version     string `json:"version"`
	Protocol    int    `json:"protocol"`
	MinProtocol int    `json:"minProtocol"`
}

// negotiatedPong is the pong with the protocol both sides speak and the
// host's range.
type negotiatedPong struct {
	pongReply
	MinProtocol int `json:"minProtocol"`
	MaxProtocol int `json:"maxProtocol"`
}

// pingReply answers a ping: the highest protocol both the extension
// (its protocol and minProtocol; a bare ping is protocol 1) and this host
// speak, or a protocol_mismatch error naming what to update.
func pingReply(payload []byte, version string) any {
	var m pingMessage
	_ = json.Unmarshal(payload, &m) // the type already parsed; odd fields count as absent
	extMax := m.Protocol
	if extMax <= 0 {
		extMax = 1
	}
	extMin := m.MinProtocol
	if extMin <= 0 || extMin > extMax {
		extMin = extMax
	}
	p, err := negotiate(extMin, extMax, MinProtocol, Protocol, m.Version, version)
	if err != nil {
		return errorReply{Type: "error", Error: *err}
	}
	return negotiatedPong{pongReply: pongReply{OK: true, Type: "pong", Version: version, Protocol: p},
		MinProtocol: MinProtocol, MaxProtocol: Protocol}
}

// negotiate picks the highest protocol in both ranges; with none in common
// it says which side is older and must be updated.
func negotiate(extMin, extMax, hostMin, hostMax int, extVersion, hostVersion string) (int, *ErrorBody) {
	if p := min(extMax, hostMax); p >= max(extMin, hostMin) {
		return p, nil
	}
	ext := "the ramsso extension"
	if extVersion != "" {
		ext += " " + extVersion
	}
	host := "ramsso-host"
	if hostVersion != "" {
		host += " " + hostVersion
	}
	if extMin > hostMax {
		return 0, &ErrorBody{Code: CodeProtocolMismatch,
			Message: fmt.Sprintf("%s needs protocol %d or newer; %s speaks %d to %d", ext, extMin, host, hostMin, hostMax),
			Remedy:  "update ramsso (the CLI and ramsso-host) to the release that matches the extension"}
	}
	return 0, &ErrorBody{Code: CodeProtocolMismatch,
		Message: fmt.Sprintf("%s speaks protocol %d at most; %s needs %d or newer", ext, extMax, host, hostMin),
		Remedy:  "update the ramsso browser extension (or have IT push the new CRX)"}
}
