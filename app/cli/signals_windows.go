//go:build windows

package cli

import "os"

var forwardedSignals = []os.Signal{os.Interrupt}
