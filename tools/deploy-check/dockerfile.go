package main

import (
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/moby/buildkit/frontend/dockerfile/linter"
	"github.com/moby/buildkit/frontend/dockerfile/parser"
	"github.com/moby/buildkit/frontend/dockerfile/shell"
)

// stageImage is the image configuration one stage produces (inherited from an earlier stage it builds on), with
// build arguments and ENV expanded as BuildKit expands them.
type stageImage struct {
	Name string `json:"name"`
	// Base is the FROM image after expansion; BaseStage the earlier stage it names, if any.
	Base      string `json:"base"`
	BaseStage string `json:"baseStage,omitempty"`
	// BaseImage is the image at the root of the chain of stages this one builds on.
	BaseImage   string            `json:"baseImage"`
	Labels      map[string]string `json:"labels"`
	Env         map[string]string `json:"env"`
	User        string            `json:"user"`
	Expose      []string          `json:"expose"`
	Healthcheck *healthcheck      `json:"healthcheck"`
	Entrypoint  []string          `json:"entrypoint"`
	// Runs are the stage's own RUN command lines with ARG and ENV values substituted (what its shell runs).
	Runs []string `json:"runs"`
	// CopiesFrom are the stages (or images) its COPY --from instructions read.
	CopiesFrom []string `json:"copiesFrom"`
}

type healthcheck struct {
	Test        []string `json:"test"`
	StartPeriod string   `json:"startPeriod"`
}

type dockerfileReport struct {
	File     string       `json:"file"`
	Stages   []stageImage `json:"stages"`
	Problems []string     `json:"problems"`
}

func parseDockerfile(file string, buildArgs []string) (*dockerfileReport, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	report := &dockerfileReport{File: file, Stages: []stageImage{}, Problems: []string{}}
	result, err := parser.Parse(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	for _, w := range result.Warnings {
		report.Problems = append(report.Problems, fmt.Sprintf("line %d: %s", w.Location.Start.Line, w.Short))
	}
	// The checks `docker build --check` runs while parsing.
	lint := linter.New(&linter.Config{Warn: func(rule, _, _, msg string, loc []parser.Range) {
		line := 0
		if len(loc) > 0 {
			line = loc[0].Start.Line
		}
		report.Problems = append(report.Problems, fmt.Sprintf("line %d: %s: %s", line, rule, msg))
	}})
	stages, metaArgs, err := instructions.Parse(result.AST, lint)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	given := map[string]string{}
	for _, a := range buildArgs {
		k, v, _ := strings.Cut(a, "=")
		given[k] = v
	}
	lex := shell.NewLex(result.EscapeToken)
	// Global ARGs (before the first FROM): usable in FROM lines, and in a stage that declares them again.
	global := map[string]string{}
	for _, cmd := range metaArgs {
		for _, a := range cmd.Args {
			if v, ok := given[a.Key]; ok {
				global[a.Key] = v
			} else if a.Value != nil {
				v, _, err := lex.ProcessWord(*a.Value, shell.EnvsFromSlice(envList(global)))
				if err != nil {
					return nil, err
				}
				global[a.Key] = v
			}
		}
	}
	byName := map[string]int{}
	for i, s := range stages {
		base, _, err := lex.ProcessWord(s.BaseName, shell.EnvsFromSlice(envList(global)))
		if err != nil {
			return nil, fmt.Errorf("%s: FROM %s: %w", file, s.BaseName, err)
		}
		img := stageImage{Name: s.Name, Base: base, BaseImage: base, Labels: map[string]string{}, Env: map[string]string{},
			Expose: []string{}, Runs: []string{}, CopiesFrom: []string{}}
		if img.Name == "" {
			img.Name = strconv.Itoa(i)
		}
		if j, ok := byName[strings.ToLower(base)]; ok {
			parent := report.Stages[j]
			img.BaseStage, img.BaseImage = parent.Name, parent.BaseImage
			img.User, img.Healthcheck = parent.User, parent.Healthcheck
			img.Entrypoint = append([]string{}, parent.Entrypoint...)
			img.Expose = append([]string{}, parent.Expose...)
			for k, v := range parent.Labels {
				img.Labels[k] = v
			}
			for k, v := range parent.Env {
				img.Env[k] = v
			}
		}
		args := map[string]string{} // this stage's ARGs
		expand := func(word string) (string, error) {
			env := map[string]string{}
			for k, v := range args {
				env[k] = v
			}
			for k, v := range img.Env {
				env[k] = v
			}
			out, _, err := lex.ProcessWord(word, shell.EnvsFromSlice(envList(env)))
			return out, err
		}
		for _, c := range s.Commands {
			if e, ok := c.(instructions.SupportsSingleWordExpansion); ok {
				if err := e.Expand(expand); err != nil {
					return nil, fmt.Errorf("%s: stage %s: %w", file, img.Name, err)
				}
			}
			switch cmd := c.(type) {
			case *instructions.ArgCommand:
				for _, a := range cmd.Args {
					switch v, ok := given[a.Key]; {
					case ok:
						args[a.Key] = v
					case a.Value != nil:
						args[a.Key] = *a.Value
					default:
						if g, ok := global[a.Key]; ok {
							args[a.Key] = g
						}
					}
				}
			case *instructions.EnvCommand:
				for _, kv := range cmd.Env {
					img.Env[kv.Key] = kv.Value
				}
			case *instructions.LabelCommand:
				for _, kv := range cmd.Labels {
					img.Labels[kv.Key] = kv.Value
				}
			case *instructions.UserCommand:
				img.User = cmd.User
			case *instructions.ExposeCommand:
				for _, p := range cmd.Ports {
					v, err := expand(p)
					if err != nil {
						return nil, err
					}
					img.Expose = append(img.Expose, v)
				}
			case *instructions.HealthCheckCommand:
				img.Healthcheck = &healthcheck{Test: cmd.Health.Test, StartPeriod: cmd.Health.StartPeriod.String()}
			case *instructions.EntrypointCommand:
				img.Entrypoint = append([]string{}, cmd.CmdLine...)
			case *instructions.RunCommand:
				line := strings.Join(cmd.CmdLine, " ")
				if v, err := expand(line); err == nil {
					line = v
				}
				img.Runs = append(img.Runs, line)
			case *instructions.CopyCommand:
				if cmd.From != "" && !contains(img.CopiesFrom, cmd.From) {
					img.CopiesFrom = append(img.CopiesFrom, cmd.From)
				}
			}
		}
		sort.Strings(img.CopiesFrom)
		report.Stages = append(report.Stages, img)
		byName[strings.ToLower(img.Name)] = i
	}
	return report, nil
}

func envList(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k, v := range m {
		out = append(out, k+"="+v)
	}
	sort.Strings(out)
	return out
}
