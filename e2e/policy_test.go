package e2e

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/target"
	"github.com/chromedp/chromedp"

	"github.com/ramsso/ramsso/internal/config"
)

// requireIsolation checks that this machine can give Chromium a private
// view of /etc/chromium (a mount namespace as root), so the managed policy
// and the system-wide host manifest never touch the real /etc, where other
// Chromium instances would read them. Like requireChromium, its absence is
// a failure in CI and with RAMSSO_E2E=1.
func requireIsolation(t *testing.T) {
	t.Helper()
	err := exec.Command("unshare", "--mount", "--propagation", "private", "sh", "-c", "mount -t tmpfs tmpfs /etc/chromium").Run()
	if err == nil {
		return
	}
	if _, serr := os.Stat("/etc/chromium"); serr != nil {
		err = fmt.Errorf("no /etc/chromium (Debian's chromium package creates it): %v", serr)
	}
	if os.Getenv("CI") != "" || os.Getenv("RAMSSO_E2E") == "1" {
		t.Fatalf("the managed-policy test needs a private mount namespace (root and unshare): %v", err)
	}
	t.Skipf("no private mount namespace (%v); set RAMSSO_E2E=1 to make this a failure", err)
}

// TestManagedPolicyForceInstall is how a managed fleet gets ramsso: no
// --load-extension, no Developer mode. The CRX3 is packed by Chromium with
// a signing key (a test key here: the release key stays off the repo) and
// served with its update manifest from a local "company" server; the
// managed policy force-installs it and blocks every other extension,
// allows only com.ramsso.host for native messaging and turns per-user
// host manifests off, so the capture works only through the machine-wide
// manifest that `ramsso install --system` wrote. Chromium runs in a
// private mount namespace whose /etc/chromium is a tmpfs: nothing here is
// visible to other processes on the machine.
func TestManagedPolicyForceInstall(t *testing.T) {
	requireChromium(t)
	requireIsolation(t)
	ctx := testContext(t)
	work := testDir(t)

	// The signing key and the unpacked tree whose manifest key matches it.
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	keyPath := filepath.Join(work, "signing.pem")
	if err := os.WriteFile(keyPath, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	pub, err := x509.MarshalPKIXPublicKey(&key.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	unpacked := filepath.Join(work, "unpacked")
	if err := os.CopyFS(unpacked, os.DirFS(extensionDir)); err != nil {
		t.Fatal(err)
	}
	setManifestKey(t, filepath.Join(unpacked, "manifest.json"), base64.StdEncoding.EncodeToString(pub))

	// The company's server: updates.xml and ramsso.crx.
	pkgDir := filepath.Join(work, "pkg")
	if err := os.MkdirAll(pkgDir, 0o755); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var fetched []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		fetched = append(fetched, r.URL.Path)
		mu.Unlock()
		switch r.URL.Path {
		case "/ramsso/updates.xml":
			w.Header().Set("Content-Type", "text/xml")
			http.ServeFile(w, r, filepath.Join(pkgDir, "updates.xml"))
		case "/ramsso/ramsso.crx":
			w.Header().Set("Content-Type", "application/x-chrome-extension")
			http.ServeFile(w, r, filepath.Join(pkgDir, "ramsso.crx"))
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	pack := exec.Command("node", "tools/crx.mjs", "--key", keyPath, "--src", unpacked, "--out", pkgDir,
		"--codebase", srv.URL+"/ramsso/ramsso.crx", "--chromium", chromiumPath)
	pack.Dir = filepath.Join("..", "extension")
	if out, err := pack.CombinedOutput(); err != nil {
		t.Fatalf("packing the CRX (extension/tools/crx.mjs): %v\n%s", err, out)
	}
	var crx struct{ ID, UpdateURL string }
	readJSON(t, filepath.Join(pkgDir, "crx.json"), &crx)

	// The stand-ins; the host accepts the re-signed id through settings.
	rig := newRig(t, ctx, work, unpacked, "", []string{acct1, acct2})
	if rig.ExtensionID != crx.ID {
		t.Fatalf("the CRX id %s differs from the unpacked tree's %s", crx.ID, rig.ExtensionID)
	}
	set, err := config.Load(rig.Home)
	if err != nil {
		t.Fatal(err)
	}
	set.AllowedExtensionIDs = []string{crx.ID}
	if err := set.SaveContext(ctx, rig.Home); err != nil {
		t.Fatal(err)
	}
	// Only the machine-wide manifest may count: drop the per-user one.
	wrapper := filepath.Join(filepath.Dir(rig.Home), "ramsso-host.sh")
	if err := os.Remove(rig.Manifest); err != nil {
		t.Fatal(err)
	}

	// What IT deploys in /etc/chromium/policies/managed/ (docs/deploy.md).
	policy := map[string]any{
		"ExtensionInstallBlocklist":     []string{"*"},
		"ExtensionInstallForcelist":     []string{crx.ID + ";" + crx.UpdateURL},
		"NativeMessagingBlocklist":      []string{"*"},
		"NativeMessagingAllowlist":      []string{"com.ramsso.host"},
		"NativeMessagingUserLevelHosts": false,
		// Test only: DevTools (this test's CDP) may attach to extensions
		// installed by policy, which the default (0) forbids.
		"DeveloperToolsAvailability": 1,
	}
	policyJSON, err := json.Marshal(policy)
	if err != nil {
		t.Fatal(err)
	}
	policyFile := filepath.Join(work, "ramsso-policy.json")
	if err := os.WriteFile(policyFile, policyJSON, 0o644); err != nil {
		t.Fatal(err)
	}
	// Chromium's executable: a private mount namespace with a tmpfs
	// /etc/chromium holding the policy and what `ramsso install --system`
	// writes there, then the real Chromium (exec keeps the pid chromedp
	// waits for and kills).
	launcher := filepath.Join(work, "chromium-managed.sh")
	script := `#!/bin/sh
set -e
exec unshare --mount --propagation private -- sh -c '
set -e
cp /etc/chromium/master_preferences "$RAMSSO_T/master_preferences" 2>/dev/null || true
mount -t tmpfs -o mode=0755 tmpfs /etc/chromium
[ -f "$RAMSSO_T/master_preferences" ] && cp "$RAMSSO_T/master_preferences" /etc/chromium/
mkdir -p /etc/chromium/policies/managed
cp "$RAMSSO_T/ramsso-policy.json" /etc/chromium/policies/managed/ramsso.json
"$RAMSSO_CLI" install --system --browser chromium --host "$RAMSSO_WRAPPER" --extension-id "$RAMSSO_ID" >"$RAMSSO_T/install-system.log" 2>&1
exec "$RAMSSO_CHROMIUM" "$@"' chromium "$@"
`
	if err := os.WriteFile(launcher, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	flags := []chromedp.ExecAllocatorOption{chromedp.ExecPath(launcher), chromedp.WSURLReadTimeout(20 * time.Second),
		chromedp.Env("RAMSSO_T="+work, "RAMSSO_CLI="+cliBinary, "RAMSSO_WRAPPER="+wrapper, "RAMSSO_ID="+crx.ID, "RAMSSO_CHROMIUM="+chromiumPath)}
	for _, f := range rig.Flags(true) {
		switch f.Name {
		case "load-extension", "disable-extensions-except", "disable-background-networking":
			// No unpacked load; and the extension updater, which fetches
			// force-installed extensions, is off with background networking.
			continue
		}
		flags = append(flags, chromedp.Flag(f.Name, f.Value))
	}
	w := startWorld(t, ctx, rig, work, flags)

	b, _ := os.ReadFile(filepath.Join(work, "install-system.log"))
	if !strings.Contains(string(b), "/etc/chromium/native-messaging-hosts/com.ramsso.host.json") {
		t.Errorf("ramsso install --system inside the namespace said:\n%s", b)
	}
	if _, err := os.Stat("/etc/chromium/policies/managed/ramsso.json"); err == nil {
		t.Error("the managed policy leaked into the real /etc/chromium")
	}
	// The popup reaches the host through the machine-wide manifest and
	// holds its host permissions: the force-installed build is ready.
	// Chromium may reload a just force-installed extension once, which
	// leaves a page opened in that instant hanging: retry in fresh tabs.
	var hostState, allowed string
	w.eventually("the force-installed popup to find ramsso-host", 40*time.Second, func() bool {
		// A CDP tab navigated to a policy-installed extension's page
		// detaches (the page moves to the extension's process): open the
		// target on the popup's URL instead.
		res, err := chromedp.Call(w.browser, target.CreateTarget, target.CreateTargetParams{URL: rig.PopupURL()})
		if err != nil {
			t.Fatalf("opening the popup: %v", err)
		}
		tab, cancel := chromedp.NewContext(w.browser, chromedp.WithTargetID(res.TargetID))
		defer cancel()
		ctx, cancelT := context.WithTimeout(tab, 5*time.Second)
		defer cancelT()
		err = chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS(`body[data-ready="true"]`)))
		if err != nil {
			return false
		}
		h, err1 := chromedp.Run(ctx, chromedp.AttributeValue(chromedp.CSS(`#host`), "data-state"))
		a, err2 := chromedp.Run(ctx, chromedp.AttributeValue(chromedp.CSS(`#perms`), "data-allowed"))
		hostState, allowed, err = h.Value, a.Value, errors.Join(err1, err2)
		return err == nil
	})
	if hostState != "found" || allowed != "true" {
		t.Fatalf("force-installed popup: host %q (want found, through /etc/chromium/native-messaging-hosts), host permissions allowed %q", hostState, allowed)
	}
	if err := w.login(w.tab(), "managed", roles(valAdmin)); err != nil {
		t.Fatalf("login: %v", err)
	}
	w.checkUntouched("managed")
	w.session(roleAdmin)
	mu.Lock()
	defer mu.Unlock()
	if !strings.Contains(strings.Join(fetched, " "), "/ramsso/ramsso.crx") {
		t.Errorf("Chromium did not fetch the CRX from the company URL (requests: %v)", fetched)
	}
}

func setManifestKey(t *testing.T, path, key string) {
	t.Helper()
	var m map[string]any
	readJSON(t, path, &m)
	m["key"] = key
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

func readJSON(t *testing.T, path string, v any) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}
