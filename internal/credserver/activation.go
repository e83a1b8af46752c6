package credserver

import (
	"fmt"
	"strconv"
	"strings"
)

// Socket activation (systemd's sd_listen_fds protocol, done in pure Go):
// the service manager holds the port from login on and hands the
// listening socket to `ramsso serve` as file descriptor 3, with
// LISTEN_PID set to the service's pid and LISTEN_FDS to the count.
const (
	EnvListenPID = "LISTEN_PID"
	EnvListenFDs = "LISTEN_FDS"
	// listenFDStart is SD_LISTEN_FDS_START.
	listenFDStart = 3
)

// activationCount decides whether this process (pid) was handed sockets:
// 0 when LISTEN_PID is unset or names another process (the variables were
// meant for a parent), else LISTEN_FDS, which must be a positive number.
func activationCount(listenPID, listenFDs string, pid int) (int, error) {
	if listenPID == "" {
		return 0, nil
	}
	p, err := strconv.Atoi(strings.TrimSpace(listenPID))
	if err != nil || p != pid {
		return 0, nil
	}
	n, err := strconv.Atoi(strings.TrimSpace(listenFDs))
	if err != nil || n < 1 {
		return 0, fmt.Errorf("%s=%q: socket activation without a socket: check the .socket unit", EnvListenFDs, listenFDs)
	}
	return n, nil
}

// SystemdSocketUnit is ramsso-serve.socket: systemd's user instance holds
// 127.0.0.1:port from login on, so no other local user can bind it while
// ramsso serve is not running.
func SystemdSocketUnit(port int) string {
	return fmt.Sprintf(`[Unit]
Description=ramsso credentials server socket (holds 127.0.0.1:%d for ramsso serve)
Documentation=https://github.com/ramsso/ramsso#terraform-and-sdks

[Socket]
ListenStream=127.0.0.1:%d
# ramsso serve checks the Host header; it accepts 127.0.0.1 and localhost.
NoDelay=true

[Install]
WantedBy=sockets.target
`, port, port)
}

// SystemdServiceUnit is ramsso-serve.service, started by the socket.
func SystemdServiceUnit(exe string) string {
	return fmt.Sprintf(`[Unit]
Description=ramsso credentials server (ALIBABA_CLOUD_CREDENTIALS_URI)
Requires=ramsso-serve.socket
After=ramsso-serve.socket

[Service]
ExecStart=%s serve
Restart=on-failure
`, SystemdQuote(exe))
}

// SystemdQuote quotes a path for an ExecStart= line: double quotes with \
// and " escaped, and systemd's specifiers (%%) and variables ($$) doubled.
func SystemdQuote(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "%", "%%", "$", "$$")
	return `"` + r.Replace(s) + `"`
}

// LaunchdPlist is a LaunchAgent (com.ramsso.serve) that runs ramsso serve
// from login on and keeps it running. launchd can also hold the socket
// (a Sockets entry), but the process must then collect it with the C call
// launch_activate_socket, which the cgo-free ramsso cannot make; so on
// macOS the owner is this agent itself, started at login, and a port found
// taken is treated as squatting (the token rotates, serve says so loudly).
func LaunchdPlist(exe string, port int) string {
	esc := strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;")
	return fmt.Sprintf(`<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<plist version="1.0">
<dict>
	<key>Label</key>
	<string>com.ramsso.serve</string>
	<key>ProgramArguments</key>
	<array>
		<string>%s</string>
		<string>serve</string>
		<string>--port</string>
		<string>%d</string>
	</array>
	<key>RunAtLoad</key>
	<true/>
	<key>KeepAlive</key>
	<true/>
	<key>ProcessType</key>
	<string>Background</string>
</dict>
</plist>
`, esc.Replace(exe), port)
}
