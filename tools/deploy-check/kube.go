package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	apiextensionsinternal "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	structuralschema "k8s.io/apiextensions-apiserver/pkg/apiserver/schema"
	"k8s.io/apiextensions-apiserver/pkg/apiserver/schema/cel"
	"k8s.io/apiextensions-apiserver/pkg/apiserver/schema/pruning"
	"k8s.io/apiextensions-apiserver/pkg/apiserver/validation"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/serializer"
	utiljson "k8s.io/apimachinery/pkg/util/json"
	"k8s.io/apimachinery/pkg/util/validation/field"
	celconfig "k8s.io/apiserver/pkg/apis/cel"
	"k8s.io/client-go/kubernetes/scheme"
	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/kyaml/filesys"
	"sigs.k8s.io/yaml"
)

// kedaModule is the KEDA release whose published ScaledObject CRD the scaler is checked against (KEDA 2.10+ is
// what docs/DEPLOY.md asks for; the schema of the newest release is the strictest). The go command fetches it
// from the Go module proxy like any module and keeps it in the module cache.
const (
	kedaModule  = "github.com/kedacore/keda/v2@v2.21.0"
	kedaCRDPath = "config/crd/bases/keda.sh_scaledobjects.yaml"
)

// object is one rendered Kubernetes object: its JSON as kustomize produced it, and where applicable the typed
// object client-go decoded from it.
type object struct {
	raw   map[string]any
	typed runtime.Object
}

func (o object) kind() string       { s, _ := o.raw["kind"].(string); return s }
func (o object) apiVersion() string { s, _ := o.raw["apiVersion"].(string); return s }
func (o object) meta() map[string]any {
	m, _ := o.raw["metadata"].(map[string]any)
	return m
}
func (o object) name() string      { s, _ := o.meta()["name"].(string); return s }
func (o object) namespace() string { s, _ := o.meta()["namespace"].(string); return s }
func (o object) id() string        { return o.kind() + " " + o.name() }

// ns is the namespace for messages.
func (o object) ns() string {
	if o.namespace() == "" {
		return "(none)"
	}
	return o.namespace()
}

type kustomizeReport struct {
	Dir string `json:"dir"`
	// Objects as kustomize rendered them, in its order.
	Objects []map[string]any `json:"objects"`
	// External lists the -external references the render made (Kind/name -> keys read), for the caller to check.
	External map[string][]string `json:"external"`
	Problems []string            `json:"problems"`
}

func checkKustomization(dir string, external []string) (*kustomizeReport, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	// The same defaults as `kubectl apply -k` (load restrictions: files inside the kustomization root only).
	k := krusty.MakeKustomizer(krusty.MakeDefaultOptions())
	resources, err := k.Run(filesys.MakeFsOnDisk(), abs)
	if err != nil {
		return nil, fmt.Errorf("kustomize build %s: %w", dir, err)
	}
	report := &kustomizeReport{Dir: dir, Objects: []map[string]any{}, External: map[string][]string{},
		Problems: []string{}}
	problem := func(format string, args ...any) {
		report.Problems = append(report.Problems, fmt.Sprintf(format, args...))
	}

	scaledObjects, err := loadScaledObjectSchema()
	if err != nil {
		return nil, err
	}
	// Strict: unknown and duplicate fields are errors, as kubectl's default --validate=strict makes them.
	decoder := serializer.NewCodecFactory(scheme.Scheme, serializer.EnableStrict).UniversalDeserializer()
	lenient := serializer.NewCodecFactory(scheme.Scheme).UniversalDeserializer()
	var objects []object
	for _, r := range resources.Resources() {
		raw, err := r.Map()
		if err != nil {
			return nil, err
		}
		y, err := r.AsYAML()
		if err != nil {
			return nil, err
		}
		o := object{raw: raw}
		report.Objects = append(report.Objects, raw)
		typed, _, err := decoder.Decode(y, nil, nil)
		switch {
		case err == nil:
			o.typed = typed
		case runtime.IsNotRegisteredError(err) && o.apiVersion() == "keda.sh/v1alpha1" && o.kind() == "ScaledObject":
			for _, p := range scaledObjects.validate(raw) {
				problem("%s: %s", o.id(), p)
			}
		case runtime.IsNotRegisteredError(err):
			problem("%s: %s is no kind of client-go's scheme nor KEDA's ScaledObject: nothing checks it", o.id(),
				o.apiVersion())
		default:
			problem("%s: rejected by strict decoding: %v", o.id(), err)
			// Still cross-check what decodes leniently, so that one typo does not hide every other finding.
			o.typed, _, _ = lenient.Decode(y, nil, nil)
		}
		objects = append(objects, o)
	}
	crossCheck(objects, external, report, problem)
	return report, nil
}

// crdSchema is one CustomResourceDefinition version's schema, used the way the API server uses it on create:
// unknown fields (pruning), OpenAPI validation, then the CEL rules (x-kubernetes-validations).
type crdSchema struct {
	structural *structuralschema.Structural
	validator  validation.SchemaValidator
	cel        *cel.Validator
}

func loadScaledObjectSchema() (*crdSchema, error) {
	dir, err := moduleDir(kedaModule)
	if err != nil {
		return nil, err
	}
	text, err := os.ReadFile(filepath.Join(dir, kedaCRDPath))
	if err != nil {
		return nil, fmt.Errorf("KEDA's ScaledObject CRD: %w", err)
	}
	var crd apiextensionsv1.CustomResourceDefinition
	if err := yaml.UnmarshalStrict(text, &crd); err != nil {
		return nil, fmt.Errorf("%s in %s: %w", kedaCRDPath, kedaModule, err)
	}
	for _, v := range crd.Spec.Versions {
		if v.Name != "v1alpha1" || v.Schema == nil {
			continue
		}
		var internal apiextensionsinternal.JSONSchemaProps
		if err := apiextensionsv1.Convert_v1_JSONSchemaProps_To_apiextensions_JSONSchemaProps(
			v.Schema.OpenAPIV3Schema, &internal, nil); err != nil {
			return nil, err
		}
		structural, err := structuralschema.NewStructural(&internal)
		if err != nil {
			return nil, fmt.Errorf("KEDA's ScaledObject schema is not structural: %w", err)
		}
		validator, _, err := validation.NewSchemaValidator(&internal)
		if err != nil {
			return nil, err
		}
		return &crdSchema{structural: structural, validator: validator,
			cel: cel.NewValidator(structural, true, celconfig.PerCallLimit)}, nil
	}
	return nil, fmt.Errorf("%s in %s has no v1alpha1 schema", kedaCRDPath, kedaModule)
}

func (s *crdSchema) validate(raw map[string]any) []string {
	var out []string
	// A deep copy through JSON, decoded as the API server decodes a custom resource (integers as int64); pruning
	// removes what it reports.
	b, _ := json.Marshal(raw)
	var obj map[string]any
	_ = utiljson.Unmarshal(b, &obj)
	for _, path := range pruning.PruneWithOptions(obj, s.structural, true,
		structuralschema.UnknownFieldPathOptions{TrackUnknownFieldPaths: true}) {
		out = append(out, fmt.Sprintf("unknown field %q (KEDA's ScaledObject schema)", path))
	}
	errs := validation.ValidateCustomResource(nil, obj, s.validator)
	if s.cel != nil {
		celErrs, _ := s.cel.Validate(context.Background(), field.NewPath(""), s.structural, obj, nil,
			celconfig.RuntimeCELCostBudget)
		errs = append(errs, celErrs...)
	}
	for _, e := range errs {
		out = append(out, e.Error()+" (KEDA's ScaledObject schema)")
	}
	return out
}

// moduleDir is where the go command keeps a module (downloading it from the module proxy the first time).
func moduleDir(module string) (string, error) {
	cmd := exec.Command("go", "mod", "download", "-json", module)
	cmd.Dir = os.TempDir() // outside any module: the download needs no go.mod
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("go mod download %s: %v %s", module, err, stderr.String())
	}
	var info struct{ Dir, Error string }
	if err := json.Unmarshal(out, &info); err != nil {
		return "", err
	}
	if info.Error != "" || info.Dir == "" {
		return "", fmt.Errorf("go mod download %s: %s", module, info.Error)
	}
	return info.Dir, nil
}
