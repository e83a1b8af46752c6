package aliyuncfg

// ProfileView is what a reader (ramsso doctor) sees of one profile; it
// says whether keys are there, never what they are.
type ProfileView struct {
	Name           string
	Mode           string
	ProcessCommand string
	// HasKeys: access_key_id, access_key_secret or sts_token is set.
	HasKeys bool
}

// Profiles lists the profiles in file order.
func (e *Edit) Profiles() []ProfileView {
	out := make([]ProfileView, 0, len(e.profiles))
	for _, q := range e.profiles {
		v := ProfileView{Name: q.str("name"), Mode: q.str("mode"), ProcessCommand: q.str("process_command")}
		for _, k := range secretKeys {
			if q.str(k) != "" {
				v.HasKeys = true
			}
		}
		out = append(out, v)
	}
	return out
}
