package demo

import (
	"bufio"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

func TestIsSigninHost(t *testing.T) {
	for host, want := range map[string]bool{
		"signin.aliyun.com":         true,
		"SIGNIN.Aliyun.com.":        true,
		"signin.alibabacloud.com":   true,
		"home.console.aliyun.com":   true,
		"ram.alibabacloud.com":      true,
		"aliyun.com.evil.example":   false,
		"evilaliyun.com":            false,
		"example.com":               false,
		"signin.alibabacloud.com.x": false,
		"":                          false,
	} {
		if got := IsSigninHost(host); got != want {
			t.Errorf("IsSigninHost(%q) = %v, want %v", host, got, want)
		}
	}
}

// TestForwarder: the CONNECT forwarder tunnels the sign-in hosts on 443
// to the stand-in (a real HTTPS POST arrives with its Host header) and
// refuses everything else.
func TestForwarder(t *testing.T) {
	s := NewSignin()
	defer s.Close()
	f, err := NewForwarder(s.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()

	proxy, _ := url.Parse("http://" + f.Addr())
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{
		Proxy:           http.ProxyURL(proxy),
		TLSClientConfig: &tls.Config{InsecureSkipVerify: true}, // the stand-in's self-signed cert
	}}
	resp, err := client.Post("https://signin.aliyun.com/entrance?Action="+ConsoleChoiceAction, "application/x-www-form-urlencoded", strings.NewReader("RequestParams=%7B%7D"))
	if err != nil {
		t.Fatalf("POST through the forwarder: %v", err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	posts := s.Posts()
	if len(posts) != 1 || posts[0].Host != HostChina || string(posts[0].Body) != "RequestParams=%7B%7D" {
		t.Fatalf("the stand-in got %+v, want the one POST to %s", posts, HostChina)
	}

	for _, tc := range []struct{ name, request, want string }{
		{"other host", "CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n", "403"},
		{"other port", "CONNECT signin.aliyun.com:80 HTTP/1.1\r\nHost: signin.aliyun.com:80\r\n\r\n", "403"},
		{"plain GET", "GET http://signin.aliyun.com/ HTTP/1.1\r\nHost: signin.aliyun.com\r\n\r\n", "403"},
		{"sign-in host", "CONNECT signin.alibabacloud.com:443 HTTP/1.1\r\nHost: signin.alibabacloud.com:443\r\n\r\n", "200"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := net.Dial("tcp", f.Addr())
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			_ = c.SetDeadline(time.Now().Add(5 * time.Second))
			fmt.Fprint(c, tc.request)
			line, err := bufio.NewReader(c).ReadString('\n')
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(line, "HTTP/1.1 "+tc.want) {
				t.Errorf("status line %q, want %s", strings.TrimSpace(line), tc.want)
			}
		})
	}
}
