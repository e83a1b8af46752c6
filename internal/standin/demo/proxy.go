package demo

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"
)

// IsSigninHost reports whether host (no port) is one the stand-in answers
// for: the two sign-in hosts and every *.aliyun.com / *.alibabacloud.com
// host (the console chooser's entrance), as ResolverRules maps them.
func IsSigninHost(host string) bool {
	h := strings.ToLower(strings.TrimSuffix(host, "."))
	return h == HostChina || h == HostInternational ||
		h == "aliyun.com" || strings.HasSuffix(h, ".aliyun.com") ||
		h == "alibabacloud.com" || strings.HasSuffix(h, ".alibabacloud.com")
}

// Forwarder is a local HTTP proxy that answers only CONNECT requests for
// the sign-in hosts (IsSigninHost, port 443) and tunnels them to the
// stand-in; everything else gets 403. It is how a browser without
// Chromium's --host-resolver-rules (Firefox) reaches the stand-in without
// root: point the browser's HTTPS proxy at it (Firefox's
// network.dns.localDomains can only map to 127.0.0.1:443).
type Forwarder struct {
	l      net.Listener
	target string

	mu     sync.Mutex
	conns  map[net.Conn]struct{}
	closed bool
	wg     sync.WaitGroup
}

// NewForwarder listens on 127.0.0.1 and tunnels to target (host:port).
func NewForwarder(target string) (*Forwarder, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("starting the CONNECT forwarder: %w", err)
	}
	f := &Forwarder{l: l, target: target, conns: map[net.Conn]struct{}{}}
	f.wg.Add(1)
	go f.accept()
	return f, nil
}

// Addr is the forwarder's 127.0.0.1:PORT.
func (f *Forwarder) Addr() string { return f.l.Addr().String() }

// Port is the forwarder's port.
func (f *Forwarder) Port() int { return f.l.Addr().(*net.TCPAddr).Port }

// Close stops listening, closes every tunnel and waits for them.
func (f *Forwarder) Close() {
	_ = f.l.Close()
	f.mu.Lock()
	f.closed = true
	for c := range f.conns {
		_ = c.Close()
	}
	f.mu.Unlock()
	f.wg.Wait()
}

func (f *Forwarder) track(c net.Conn, on bool) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	if !on {
		delete(f.conns, c)
		return true
	}
	if f.closed {
		return false
	}
	f.conns[c] = struct{}{}
	return true
}

func (f *Forwarder) accept() {
	defer f.wg.Done()
	for {
		c, err := f.l.Accept()
		if err != nil {
			return
		}
		if !f.track(c, true) {
			_ = c.Close()
			return
		}
		f.wg.Add(1)
		go func() {
			defer f.wg.Done()
			defer f.track(c, false)
			defer c.Close()
			f.serve(c)
		}()
	}
}

func (f *Forwarder) serve(c net.Conn) {
	_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
	br := bufio.NewReader(c)
	req, err := http.ReadRequest(br)
	if err != nil {
		return
	}
	host, port, err := net.SplitHostPort(req.Host)
	if req.Method != http.MethodConnect || err != nil || port != "443" || !IsSigninHost(host) {
		_, _ = io.WriteString(c, "HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
		return
	}
	up, err := net.DialTimeout("tcp", f.target, 5*time.Second)
	if err != nil {
		_, _ = io.WriteString(c, "HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
		return
	}
	defer up.Close()
	if !f.track(up, true) {
		return
	}
	defer f.track(up, false)
	_ = c.SetReadDeadline(time.Time{})
	if _, err := io.WriteString(c, "HTTP/1.1 200 Connection established\r\n\r\n"); err != nil {
		return
	}
	done := make(chan struct{}, 2)
	go func() {
		// Bytes the client sent after the CONNECT line are in br.
		_, _ = io.Copy(up, br)
		if tc, ok := up.(*net.TCPConn); ok {
			_ = tc.CloseWrite()
		}
		done <- struct{}{}
	}()
	go func() {
		_, _ = io.Copy(c, up)
		if tc, ok := c.(*net.TCPConn); ok {
			_ = tc.CloseWrite()
		}
		done <- struct{}{}
	}()
	<-done
	<-done
}
