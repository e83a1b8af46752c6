package policy

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestSecurityDocTestsExist keeps docs/security.md honest: every threat's
// `file_test.go` `TestName` pair names a test function that exists.
func TestSecurityDocTestsExist(t *testing.T) {
	root := filepath.Join("..", "..")
	doc, err := os.ReadFile(filepath.Join(root, "docs", "security.md"))
	if err != nil {
		t.Fatal(err)
	}
	ref := regexp.MustCompile("`([A-Za-z0-9_/.-]+_test\\.go)` ((?:`Test[A-Za-z0-9_]+`(?:, )?)+)")
	name := regexp.MustCompile("Test[A-Za-z0-9_]+")
	n := 0
	for _, m := range ref.FindAllStringSubmatch(string(doc), -1) {
		src, err := os.ReadFile(filepath.Join(root, m[1]))
		if err != nil {
			t.Errorf("docs/security.md names %s: %v", m[1], err)
			continue
		}
		for _, fn := range name.FindAllString(m[2], -1) {
			n++
			if !strings.Contains(string(src), "func "+fn+"(") {
				t.Errorf("docs/security.md names %s in %s, which has no such test", fn, m[1])
			}
		}
	}
	if n < 20 {
		t.Errorf("found only %d test references in docs/security.md", n)
	}
}
