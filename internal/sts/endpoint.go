package sts

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
)

// regionPattern is what Alibaba Cloud region ids look like (cn-hangzhou,
// ap-southeast-1, us-west-1).
var regionPattern = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`) })

// hostnamePattern accepts DNS names (labels of letters, digits and hyphens).
var hostnamePattern = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*\.?$`)
})

// ResolveEndpoint turns cfg's Endpoint, Region and VPC into the scheme
// ("https" or "http") and host[:port] ramsso sends AssumeRoleWithSAML to.
//
// Endpoint may be a bare host (`sts.cn-hangzhou.aliyuncs.com`, always
// HTTPS) or a URL with a scheme (`https://sts.aliyuncs.com`, or
// `http://127.0.0.1:8080` for an emulator: plain HTTP only when written
// explicitly, and never to an aliyuncs.com host). Without an Endpoint, a
// Region selects `sts.<region>.aliyuncs.com` (`sts-vpc.<region>...` with
// VPC); without either, DefaultEndpoint. URLs with a path, query,
// fragment or user info are refused.
func ResolveEndpoint(cfg Config) (scheme, host string, err error) {
	ep := strings.TrimSpace(cfg.Endpoint)
	region := strings.ToLower(strings.TrimSpace(cfg.Region))
	if ep == "" {
		if region == "" {
			if cfg.VPC {
				return "", "", errors.New("the STS VPC endpoint needs a region (sts-vpc.<region>.aliyuncs.com): set the STS region")
			}
			return "https", DefaultEndpoint, nil
		}
		if !regionPattern().MatchString(region) {
			return "", "", fmt.Errorf("STS region %q is not a region id like cn-hangzhou", cfg.Region)
		}
		if cfg.VPC {
			if !HasVPCEndpoint(region) {
				return "", "", fmt.Errorf("no STS VPC endpoint is documented by Alibaba Cloud for region %s (sts-vpc.%s.aliyuncs.com): set \"sts\": {\"vpc\": false} to use sts.%s.aliyuncs.com, or give the host with \"sts\": {\"endpoint\": \"HOST\"} if your VPC has one", region, region, region)
			}
			return "https", "sts-vpc." + region + ".aliyuncs.com", nil
		}
		return "https", "sts." + region + ".aliyuncs.com", nil
	}

	if strings.Contains(ep, "://") {
		u, perr := url.Parse(ep)
		if perr != nil {
			return "", "", fmt.Errorf("STS endpoint %q is not a valid URL (want a host like %s or a URL like http://127.0.0.1:8080)", ep, DefaultEndpoint)
		}
		scheme = strings.ToLower(u.Scheme)
		if scheme != "https" && scheme != "http" {
			return "", "", fmt.Errorf("STS endpoint %q: scheme %q is not supported (use https://, or http:// for a local emulator)", ep, u.Scheme)
		}
		if u.User != nil {
			return "", "", fmt.Errorf("STS endpoint %q: user info is not allowed in the endpoint", redactUserinfo(u))
		}
		if (u.Path != "" && u.Path != "/") || u.RawPath != "" {
			return "", "", fmt.Errorf("STS endpoint %q: a path is not allowed; give only the scheme and host[:port]", ep)
		}
		if u.RawQuery != "" || u.ForceQuery || u.Fragment != "" {
			return "", "", fmt.Errorf("STS endpoint %q: a query or fragment is not allowed; give only the scheme and host[:port]", ep)
		}
		host = u.Host
	} else {
		if strings.ContainsAny(ep, "/?#@ \t\r\n") {
			return "", "", fmt.Errorf("STS endpoint %q is neither a host (like %s) nor a URL (like http://127.0.0.1:8080)", ep, DefaultEndpoint)
		}
		scheme, host = "https", ep
	}

	host, err = checkHostPort(host)
	if err != nil {
		return "", "", fmt.Errorf("STS endpoint %q: %w", ep, err)
	}
	if scheme == "http" && isAlibabaHost(host) {
		return "", "", fmt.Errorf("STS endpoint %q: Alibaba Cloud's STS must be reached over https, not plain http", ep)
	}
	return scheme, host, nil
}

// checkHostPort validates host[:port] and returns it lower-cased.
func checkHostPort(hostport string) (string, error) {
	if hostport == "" {
		return "", errors.New("no host")
	}
	hostport = strings.ToLower(hostport)
	name, port := hostport, ""
	if strings.HasPrefix(hostport, "[") || strings.Count(hostport, ":") == 1 {
		h, p, err := net.SplitHostPort(hostport)
		if err != nil {
			if strings.HasPrefix(hostport, "[") && strings.HasSuffix(hostport, "]") {
				h, p = hostport[1:len(hostport)-1], ""
			} else {
				return "", fmt.Errorf("bad host:port %q", hostport)
			}
		}
		name, port = h, p
		if strings.HasPrefix(hostport, "[") && net.ParseIP(name) == nil {
			return "", fmt.Errorf("%q is not an IPv6 address", name)
		}
	} else if strings.Contains(hostport, ":") {
		// A bare IPv6 address without brackets cannot carry a port.
		if net.ParseIP(hostport) == nil {
			return "", fmt.Errorf("bad host %q", hostport)
		}
		return "[" + hostport + "]", nil
	}
	if port != "" || strings.HasSuffix(hostport, ":") {
		n, err := strconv.Atoi(port)
		if err != nil || n < 1 || n > 65535 {
			return "", fmt.Errorf("bad port %q", port)
		}
	}
	if net.ParseIP(name) == nil && !hostnamePattern().MatchString(name) {
		return "", fmt.Errorf("bad host name %q", name)
	}
	return hostport, nil
}

// isAlibabaHost reports whether host[:port] is one of Alibaba Cloud's own.
func isAlibabaHost(hostport string) bool {
	h := hostport
	if hh, _, err := net.SplitHostPort(hostport); err == nil {
		h = hh
	}
	h = strings.TrimSuffix(h, ".")
	for _, d := range []string{"aliyuncs.com", "aliyun.com", "alibabacloud.com"} {
		if h == d || strings.HasSuffix(h, "."+d) {
			return true
		}
	}
	return false
}

// isLoopback reports whether host[:port] names this machine.
func isLoopback(hostport string) bool {
	h := hostport
	if hh, _, err := net.SplitHostPort(hostport); err == nil {
		h = hh
	}
	h = strings.Trim(h, "[]")
	if h == "localhost" || strings.HasSuffix(h, ".localhost") {
		return true
	}
	ip := net.ParseIP(h)
	return ip != nil && ip.IsLoopback()
}

// redactUserinfo prints u without its password.
func redactUserinfo(u *url.URL) string {
	c := *u
	if c.User != nil {
		c.User = url.User("xxxxx")
	}
	return c.String()
}
