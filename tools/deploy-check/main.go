// deploy-check renders and validates the deployment files with the libraries the real tools are built on, and
// prints what it found as JSON for the deployment tests (pipeline-it: KubernetesManifestsIT, ComposeFilesIT,
// ImagesIT), which check the result against the code:
//
//	deploy-check kustomize [-external Kind/name]... DIR   kustomize's API (what kubectl apply -k runs), every
//	                                                      object strictly decoded into client-go's types or checked
//	                                                      against KEDA's published ScaledObject schema, and the
//	                                                      render cross-checked (namespaces, selectors, named ports,
//	                                                      ConfigMap, Secret and PVC references)
//	deploy-check compose [-profile P]... FILE...          compose-go (what docker compose runs): the merged,
//	                                                      interpolated and validated project
//	deploy-check dockerfile [-build-arg K=V]... FILE      BuildKit's Dockerfile parser and linter (what docker build
//	                                                      runs): each stage's resulting image configuration
//
// The output is one JSON object on stdout; "problems" lists what the tools rejected. The exit code is 0 when the
// files could be read and rendered at all (problems included), 1 otherwise, with the reason on stderr.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"strings"
)

type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, ",") }
func (m *multiFlag) Set(v string) error { *m = append(*m, v); return nil }

func main() {
	if len(os.Args) < 2 {
		usage()
	}
	var out any
	var err error
	args := os.Args[2:]
	switch os.Args[1] {
	case "kustomize":
		fs := flag.NewFlagSet("kustomize", flag.ExitOnError)
		var external multiFlag
		fs.Var(&external, "external", "Kind/name of an object the render refers to but another step creates (repeatable)")
		_ = fs.Parse(args)
		if fs.NArg() != 1 {
			usage()
		}
		out, err = checkKustomization(fs.Arg(0), external)
	case "compose":
		fs := flag.NewFlagSet("compose", flag.ExitOnError)
		var profiles multiFlag
		fs.Var(&profiles, "profile", "compose profile to enable (repeatable)")
		_ = fs.Parse(args)
		if fs.NArg() == 0 {
			usage()
		}
		out, err = loadCompose(fs.Args(), profiles)
	case "dockerfile":
		fs := flag.NewFlagSet("dockerfile", flag.ExitOnError)
		var buildArgs multiFlag
		fs.Var(&buildArgs, "build-arg", "K=V as docker build --build-arg (repeatable)")
		_ = fs.Parse(args)
		if fs.NArg() != 1 {
			usage()
		}
		out, err = parseDockerfile(fs.Arg(0), buildArgs)
	default:
		usage()
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "deploy-check:", err)
		os.Exit(1)
	}
	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", "  ")
	if err := enc.Encode(out); err != nil {
		fmt.Fprintln(os.Stderr, "deploy-check:", err)
		os.Exit(1)
	}
}

func usage() {
	fmt.Fprintln(os.Stderr, "usage: deploy-check kustomize [-external Kind/name]... DIR\n"+
		"       deploy-check compose [-profile P]... FILE...\n"+
		"       deploy-check dockerfile [-build-arg K=V]... FILE")
	os.Exit(2)
}
