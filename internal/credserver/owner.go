package credserver

import (
	"bufio"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"
)

// ProbePath answers an authenticated probe: GET ProbePath?nonce=N returns
// HMAC-SHA256(token, N). ramsso doctor uses it to tell that the process on
// the port is a ramsso serve that knows the token, without sending the
// token to whoever holds the port.
const ProbePath = "/.ramsso-probe"

type probeReply struct {
	Code  string `json:"Code"`
	Proof string `json:"Proof"`
}

func proof(token, nonce string) string {
	m := hmac.New(sha256.New, []byte(token))
	m.Write([]byte("ramsso serve probe\x00" + nonce))
	return hex.EncodeToString(m.Sum(nil))
}

func (s *Server) serveProbe(w http.ResponseWriter, r *http.Request) {
	nonce := r.URL.Query().Get("nonce")
	if len(nonce) < 16 || len(nonce) > 128 {
		http.NotFound(w, r)
		return
	}
	writeJSON(w, http.StatusOK, probeReply{Code: "RamssoProbe", Proof: proof(s.State.Token, nonce)})
}

// ErrNotOurs says the port answers, but not as the ramsso serve that holds
// this token.
var ErrNotOurs = errors.New("the port is held by something that is not this ramsso serve")

// Probe checks that 127.0.0.1:st.Port is served by a ramsso serve holding
// st.Token (see ProbePath). nil: ours; ErrNotOurs (wrapped): something else
// answers; another error: nothing answers.
func Probe(ctx context.Context, st State) error {
	var n [16]byte
	if _, err := rand.Read(n[:]); err != nil {
		return err
	}
	nonce := hex.EncodeToString(n[:])
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	host := "127.0.0.1:" + strconv.Itoa(st.Port)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+host+ProbePath+"?nonce="+nonce, nil)
	if err != nil {
		return err
	}
	resp, err := (&http.Client{Transport: &http.Transport{Proxy: nil}}).Do(req)
	if err != nil {
		return fmt.Errorf("nothing answers on %s: %w", host, err)
	}
	defer resp.Body.Close()
	var rep probeReply
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	if resp.StatusCode != http.StatusOK || json.Unmarshal(b, &rep) != nil || rep.Code != "RamssoProbe" {
		return fmt.Errorf("%s answers with HTTP %d: %w", host, resp.StatusCode, ErrNotOurs)
	}
	if !hmac.Equal([]byte(rep.Proof), []byte(proof(st.Token, nonce))) {
		return fmt.Errorf("%s answers as a ramsso serve with another token: %w", host, ErrNotOurs)
	}
	return nil
}

// ListenerUIDs returns the uids owning TCP sockets that listen on port on
// 127.0.0.1 or any address, from the text of /proc/net/tcp (Linux): the
// one check of who holds a loopback TCP port that needs no privileges
// (SO_PEERCRED does not exist for TCP).
func ListenerUIDs(procNetTCP string, port int) []int {
	want := fmt.Sprintf("%04X", port)
	var uids []int
	sc := bufio.NewScanner(strings.NewReader(procNetTCP))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 8 || f[3] != "0A" { // 0A: TCP_LISTEN
			continue
		}
		addr, p, ok := strings.Cut(f[1], ":")
		if !ok || !strings.EqualFold(p, want) {
			continue
		}
		// The address is the kernel's 32-bit value in host byte order:
		// 0100007F is 127.0.0.1 on little-endian machines.
		if addr != "0100007F" && addr != "7F000001" && addr != "00000000" {
			continue
		}
		if uid, err := strconv.Atoi(f[7]); err == nil {
			uids = append(uids, uid)
		}
	}
	return uids
}

// PortHolderUIDs reads /proc/net/tcp for ListenerUIDs; ok is false where
// there is no such file (not Linux).
func PortHolderUIDs(port int) (uids []int, ok bool) {
	b, err := os.ReadFile("/proc/net/tcp")
	if err != nil {
		return nil, false
	}
	return ListenerUIDs(string(b), port), true
}
