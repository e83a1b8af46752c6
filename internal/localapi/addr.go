package localapi

import (
	"crypto/sha256"
	"encoding/hex"
	"path/filepath"
)

// maxSocketPath is the longest unix socket path used as is; sun_path is
// 104 bytes on macOS and BSDs and 108 on Linux, both counting the NUL.
const maxSocketPath = 100

// homeKey is a short, stable name for a RAMSSO_HOME, for the socket or
// pipe name when the home itself cannot be part of it.
func homeKey(home string) string {
	abs, err := filepath.Abs(home)
	if err != nil {
		abs = home
	}
	sum := sha256.Sum256([]byte(filepath.Clean(abs)))
	return hex.EncodeToString(sum[:8])
}
