package cli

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/ramsso/ramsso/internal/saml"
	"github.com/ramsso/ramsso/internal/textsafe"
)

// DecodeInput is what `ramsso decode` takes.
type DecodeInput struct {
	File string // "" or "-" reads stdin
	JSON bool
}

func configureDecodeCommand(app *App) *cobra.Command {
	var in DecodeInput
	cmd := &cobra.Command{
		Use:   "decode [FILE|-]",
		Short: "Inspect a SAMLResponse: issuer, subject, validity and the RAM roles it allows",
		Long: `Inspect a SAMLResponse without sending it anywhere.

The input may be the raw XML, the base64 SAMLResponse (standard or URL-safe,
line breaks ignored) or a whole URL-encoded form body containing
SAMLResponse=. With no FILE, or with -, it is read from stdin.

Signatures are reported as present or absent; STS verifies them.`,
		Example: `  ramsso decode response.b64
  pbpaste | ramsso decode --json | jq .roles`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				in.File = args[0]
			}
			return DecodeCommand(in, app)
		},
	}
	cmd.Flags().BoolVar(&in.JSON, "json", false, "print a JSON object (errors as {\"error\":{...}})")
	return cmd
}

// DecodeCommand decodes a SAMLResponse and prints what it holds.
func DecodeCommand(in DecodeInput, app *App) error {
	resp, err := decodeSAMLInput(in.File, app.Stdin)
	if err != nil {
		if in.JSON {
			ej := saml.NewErrorJSON(err)
			var se *saml.Error
			if !errors.As(err, &se) {
				ej.Error.Code = saml.CodeReadError
			}
			if werr := writeJSON(app.Stdout, ej); werr != nil {
				return werr
			}
			fmt.Fprintln(app.Stderr, "ramsso: "+oneLine(ej.Error.Message))
			return errSilent
		}
		return err
	}
	if in.JSON {
		return writeJSON(app.Stdout, resp.Summary(app.now()))
	}
	printResponse(app.Stdout, resp, app.now())
	return nil
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

func printResponse(w io.Writer, r *saml.Response, now time.Time) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	row := func(k, v string) {
		if v != "" {
			// Every value is from the assertion, which nobody verified.
			fmt.Fprintf(tw, "%s\t%s\n", k, textsafe.Escape(v))
		}
	}
	row("Issuer:", r.Issuer)
	subj := r.Subject
	if r.SubjectFormat != "" {
		subj += " (" + shortFormat(r.SubjectFormat) + ")"
	}
	row("Subject:", subj)
	row("Session name:", r.SessionName)
	site := r.Site
	if site == "" {
		site = "unknown"
	}
	row("Site:", site+" — audience "+strings.Join(r.Audiences, ", "))
	row("Destination:", r.Destination)
	if r.Recipient != r.Destination {
		row("Recipient:", r.Recipient)
	}
	row("Valid from:", fmtTime(r.NotBefore))
	if !r.NotOnOrAfter.IsZero() {
		state := "expires in " + humanDuration(r.NotOnOrAfter.Sub(now))
		if r.Expired(now) {
			state = "EXPIRED " + humanDuration(now.Sub(r.NotOnOrAfter)) + " ago"
		}
		row("Valid until:", fmtTime(r.NotOnOrAfter)+" ("+state+")")
	}
	row("Session until:", fmtTime(r.SessionNotOnOrAfter))
	if r.SessionDuration > 0 {
		row("Session duration:", fmt.Sprintf("%ds (console)", r.SessionDuration))
	}
	var signed []string
	if r.Signed.Response {
		signed = append(signed, "response")
	}
	if r.Signed.Assertion {
		signed = append(signed, "assertion")
	}
	if len(signed) == 0 {
		signed = append(signed, "no signature (STS will refuse it)")
	}
	row("Signed:", strings.Join(signed, ", "))
	tw.Flush()
	fmt.Fprintf(w, "Roles (%d):\n", len(r.Roles))
	tw = tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	for _, role := range r.Roles {
		fmt.Fprintf(tw, "  %s\t%s\tprovider %s\n", textsafe.Escape(role.AccountID+"/"+role.RoleName), textsafe.Escape(role.RoleArn), textsafe.Escape(role.ProviderName))
	}
	tw.Flush()
}

func shortFormat(f string) string {
	if i := strings.LastIndexByte(f, ':'); i >= 0 {
		return f[i+1:]
	}
	return f
}

func fmtTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

// humanDuration rounds d for people: 1h23m, 4m10s, 12s.
func humanDuration(d time.Duration) string {
	if d < 0 {
		d = -d
	}
	switch {
	case d >= time.Hour:
		d = d.Round(time.Minute)
		return fmt.Sprintf("%dh%02dm", int(d.Hours()), int(d.Minutes())%60)
	case d >= time.Minute:
		d = d.Round(time.Second)
		return fmt.Sprintf("%dm%02ds", int(d.Minutes()), int(d.Seconds())%60)
	default:
		return fmt.Sprintf("%ds", int(d.Round(time.Second).Seconds()))
	}
}
