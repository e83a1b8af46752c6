package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/ramsso/ramsso/internal/credserver"
)

// checkServe says who holds ramsso serve's remembered port. What can be
// checked, honestly: on Linux /proc/net/tcp names the uid owning the
// listening socket (SO_PEERCRED does not exist for TCP); everywhere an
// authenticated probe (an HMAC of a nonce under the token, which is never
// sent) tells our own serve from anything else on the port.
func (d *doctor) checkServe(ctx context.Context, home string) {
	b, err := os.ReadFile(filepath.Join(home, credserver.StateFile))
	if err != nil {
		d.add("serve", CheckOK, "ramsso serve has not been set up (for one program, ramsso exec --server PROFILE -- CMD needs no setup)", "")
		return
	}
	var st credserver.State
	if json.Unmarshal(b, &st) != nil || st.Port == 0 {
		d.add("serve", CheckWarn, credserver.StateFile+" is damaged", "delete "+filepath.Join(home, credserver.StateFile)+" and run ramsso serve again")
		return
	}
	if uids, ok := credserver.PortHolderUIDs(st.Port); ok {
		for _, uid := range uids {
			if uid != os.Getuid() {
				d.add("serve", CheckFail, fmt.Sprintf("127.0.0.1:%d, ramsso serve's port, is held by another user (uid %d): they can collect the token and feed your SDKs their keys", st.Port, uid),
					"stop using that URL; run ramsso serve again (it rotates the token) on a port you own from login on: ramsso install --serve, or --port N")
				return
			}
		}
	}
	err = credserver.Probe(ctx, st)
	switch {
	case err == nil:
		d.add("serve", CheckOK, fmt.Sprintf("127.0.0.1:%d is held by this user's ramsso serve", st.Port), "")
	case errors.Is(err, credserver.ErrNotOurs):
		d.add("serve", CheckFail, err.Error(), "find the holder (ss -ltnp), then run ramsso serve again: it rotates the token")
	default:
		d.add("serve", CheckWarn, fmt.Sprintf("nothing holds 127.0.0.1:%d (ramsso serve's port) now: another local user could bind it first", st.Port),
			"keep the port owned from login on: ramsso install --serve (or use ramsso exec --server PROFILE -- CMD)")
	}
}
