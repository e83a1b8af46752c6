// Command ramsso is the ramsso command line: Alibaba Cloud STS credentials
// from a SAML SSO login, for the aliyun CLI, the SDKs and Terraform.
package main

import (
	"context"
	"os"
	"os/signal"

	"github.com/ramsso/ramsso/app/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	code := cli.Main(ctx, cli.NewApp(), os.Args[1:])
	stop()
	os.Exit(code)
}
