// Package standin groups the stand-ins that users and tests share for what
// cannot be reached from here: emulator (Alibaba STS and the federation
// sign-in service, faithful to the documented wire format and errors),
// testidp (signed SAML responses in the styles of real IdPs) and demo (the
// rig that puts them, the host and a browser together for `ramsso demo`
// and the end-to-end tests). The pipeline never imports them.
package standin
