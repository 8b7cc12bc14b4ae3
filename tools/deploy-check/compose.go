package main

import (
	"context"
	"encoding/json"
	"path/filepath"

	"github.com/compose-spec/compose-go/v2/cli"
)

type composeReport struct {
	Files    []string `json:"files"`
	Profiles []string `json:"profiles"`
	// Project is the model `docker compose config` prints: files merged in order, ${...} interpolated (with no
	// variable set on the host, so each takes its default), the compose specification's schema applied.
	Project  json.RawMessage `json:"project"`
	Problems []string        `json:"problems"`
}

func loadCompose(files []string, profiles []string) (*composeReport, error) {
	report := &composeReport{Files: files, Profiles: append([]string{}, profiles...), Project: json.RawMessage("null"),
		Problems: []string{}}
	opts, err := cli.NewProjectOptions(files,
		cli.WithWorkingDirectory(filepath.Dir(files[0])),
		// No host environment and no .env file: the files' own defaults, the same on every machine.
		cli.WithEnv([]string{}),
		cli.WithProfiles(profiles),
		cli.WithInterpolation(true),
		cli.WithNormalization(true),
		cli.WithConsistency(true),
		cli.WithResolvedPaths(true))
	if err != nil {
		return nil, err
	}
	project, err := opts.LoadProject(context.Background())
	if err != nil {
		report.Problems = append(report.Problems, err.Error())
		return report, nil
	}
	b, err := project.MarshalJSON()
	if err != nil {
		return nil, err
	}
	report.Project = b
	return report, nil
}
