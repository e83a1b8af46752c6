package localapi

import "strings"

// pipePrefix starts every ramsso pipe name.
const pipePrefix = `\\.\pipe\ramsso-`

// pipeName is the Windows pipe for a home key and a random secret: the
// secret makes the name unguessable to other users (it lives only in the
// owner-only home), so nobody can create the pipe first.
func pipeName(key, secret string) string {
	if secret == "" {
		return pipePrefix + key
	}
	return pipePrefix + key + "-" + secret
}

// validPipeName reports whether name is a ramsso pipe for key with a
// secret part (so a recorded name cannot point the client elsewhere).
func validPipeName(name, key string) bool {
	rest, ok := strings.CutPrefix(name, pipePrefix+key+"-")
	if !ok || len(rest) < 32 {
		return false
	}
	return strings.Trim(rest, "0123456789abcdef") == ""
}

// pipeSDDL is the pipe's security descriptor: protected DACL, full access
// for sid alone, sid as owner.
func pipeSDDL(sid string) string { return "O:" + sid + "D:P(A;;GA;;;" + sid + ")" }

// pipeOwnerOK is the client's decision on a pipe whose owner SID is
// owner: only the current user's own.
func pipeOwnerOK(owner, me string) bool { return owner != "" && strings.EqualFold(owner, me) }
