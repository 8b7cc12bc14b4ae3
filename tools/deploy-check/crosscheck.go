package main

import (
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// Kinds that live outside any namespace (the ones a deployment like ours could contain).
var clusterScoped = map[string]bool{
	"Namespace": true, "PersistentVolume": true, "StorageClass": true, "ClusterRole": true,
	"ClusterRoleBinding": true, "CustomResourceDefinition": true, "PriorityClass": true, "IngressClass": true,
	"RuntimeClass": true, "ValidatingWebhookConfiguration": true, "MutatingWebhookConfiguration": true,
	"ClusterTriggerAuthentication": true,
}

// An in-cluster DNS name of a Service: <service>.<namespace>.svc[.cluster.local][:port].
var serviceDNS = regexp.MustCompile(`\b([a-z0-9]([-a-z0-9]*[a-z0-9])?)\.([a-z0-9]([-a-z0-9]*[a-z0-9])?)\.svc(\.cluster\.local)?(:(\d+))?`)

type render struct {
	objects  []object
	external map[string]bool
	report   *kustomizeReport
	problem  func(format string, args ...any)
}

// crossCheck finds what each object of one render expects of the others: what kubectl would accept but the
// cluster could not run as meant.
func crossCheck(objects []object, external []string, report *kustomizeReport, problem func(string, ...any)) {
	r := &render{objects: objects, external: map[string]bool{}, report: report, problem: problem}
	for _, e := range external {
		r.external[e] = true
	}
	r.checkNamespaces()
	for _, o := range objects {
		if tpl := podTemplate(o); tpl != nil {
			r.checkWorkloadSelector(o, tpl)
			r.checkPod(o, tpl)
		}
		switch t := o.typed.(type) {
		case *corev1.Service:
			r.checkService(o, t)
		case *policyv1.PodDisruptionBudget:
			r.checkSelects(o, t.Spec.Selector, "spec.selector")
		case *autoscalingv2.HorizontalPodAutoscaler:
			r.checkTarget(o, t.Spec.ScaleTargetRef.Kind, t.Spec.ScaleTargetRef.Name, "", "spec.scaleTargetRef")
		case *appsv1.StatefulSet:
			if t.Spec.ServiceName != "" && r.find("Service", t.Spec.ServiceName, o.namespace()) == nil {
				problem("%s: spec.serviceName %s is no Service of the render (its pods' DNS names need it)",
					o.id(), t.Spec.ServiceName)
			}
		case *corev1.ConfigMap:
			for k, v := range t.Data {
				r.checkServiceAddresses(o, "data."+k, v)
			}
		}
		if o.kind() == "ScaledObject" {
			spec, _ := o.raw["spec"].(map[string]any)
			ref, _ := spec["scaleTargetRef"].(map[string]any)
			kind, _ := ref["kind"].(string)
			if kind == "" {
				kind = "Deployment"
			}
			name, _ := ref["name"].(string)
			container, _ := ref["envSourceContainerName"].(string)
			r.checkTarget(o, kind, name, container, "spec.scaleTargetRef")
		}
	}
	for k := range r.report.External {
		sort.Strings(r.report.External[k])
	}
}

func (r *render) checkNamespaces() {
	created := map[string]bool{}
	used := map[string][]string{}
	for _, o := range r.objects {
		if o.kind() == "Namespace" {
			created[o.name()] = true
		}
		if clusterScoped[o.kind()] {
			if o.namespace() != "" {
				r.problem("%s: is cluster-scoped but has namespace %s", o.id(), o.namespace())
			}
			continue
		}
		if o.namespace() == "" {
			r.problem("%s: has no namespace, so kubectl puts it in the caller's current namespace: set namespace:"+
				" in the kustomization that renders it", o.id())
			continue
		}
		used[o.namespace()] = append(used[o.namespace()], o.id())
	}
	if len(used) > 1 {
		var parts []string
		for ns, ids := range used {
			parts = append(parts, fmt.Sprintf("%s: %s", ns, strings.Join(ids, ", ")))
		}
		sort.Strings(parts)
		r.problem("objects are spread over %d namespaces (%s): one render, one namespace", len(used),
			strings.Join(parts, "; "))
	}
	if len(created) > 0 {
		for ns := range used {
			if !created[ns] {
				r.problem("objects are in namespace %s, which the render does not create", ns)
			}
		}
	}
}

func podTemplate(o object) *corev1.PodTemplateSpec {
	switch t := o.typed.(type) {
	case *appsv1.Deployment:
		return &t.Spec.Template
	case *appsv1.StatefulSet:
		return &t.Spec.Template
	case *appsv1.DaemonSet:
		return &t.Spec.Template
	case *appsv1.ReplicaSet:
		return &t.Spec.Template
	case *batchv1.Job:
		return &t.Spec.Template
	case *batchv1.CronJob:
		return &t.Spec.JobTemplate.Spec.Template
	}
	return nil
}

func workloadSelector(o object) *metav1.LabelSelector {
	switch t := o.typed.(type) {
	case *appsv1.Deployment:
		return t.Spec.Selector
	case *appsv1.StatefulSet:
		return t.Spec.Selector
	case *appsv1.DaemonSet:
		return t.Spec.Selector
	case *appsv1.ReplicaSet:
		return t.Spec.Selector
	}
	return nil
}

func (r *render) find(kind, name, namespace string) *object {
	for i, o := range r.objects {
		if o.kind() == kind && o.name() == name && o.namespace() == namespace {
			return &r.objects[i]
		}
	}
	return nil
}

func (r *render) checkWorkloadSelector(o object, tpl *corev1.PodTemplateSpec) {
	sel := workloadSelector(o)
	if sel == nil {
		return
	}
	s, err := metav1.LabelSelectorAsSelector(sel)
	if err != nil {
		r.problem("%s: spec.selector: %v", o.id(), err)
		return
	}
	if s.Empty() || !s.Matches(labels.Set(tpl.Labels)) {
		r.problem("%s: spec.selector %s does not match its own pod template's labels %v", o.id(), s, tpl.Labels)
	}
}

// selected returns the workloads in o's namespace whose pod templates the selector matches.
func (r *render) selected(o object, s labels.Selector) []object {
	var out []object
	for _, w := range r.objects {
		if tpl := podTemplate(w); tpl != nil && w.namespace() == o.namespace() && s.Matches(labels.Set(tpl.Labels)) {
			out = append(out, w)
		}
	}
	return out
}

func (r *render) checkSelects(o object, sel *metav1.LabelSelector, where string) {
	s, err := metav1.LabelSelectorAsSelector(sel)
	if err != nil || s.Empty() {
		r.problem("%s: %s is empty or invalid (%v)", o.id(), where, err)
		return
	}
	if len(r.selected(o, s)) == 0 {
		r.problem("%s: %s %s matches no pod of the render in namespace %s", o.id(), where, s, o.ns())
	}
}

func (r *render) checkService(o object, svc *corev1.Service) {
	if len(svc.Spec.Selector) == 0 {
		return // endpoints managed by hand
	}
	s := labels.SelectorFromSet(svc.Spec.Selector)
	pods := r.selected(o, s)
	if len(pods) == 0 {
		r.problem("%s: spec.selector %s matches no pod of the render in namespace %s", o.id(), s, o.ns())
		return
	}
	for _, p := range svc.Spec.Ports {
		target := p.TargetPort
		if target.Type == intstr.Int && target.IntVal == 0 {
			target = intstr.FromInt32(p.Port)
		}
		for _, w := range pods {
			if !hasPort(podTemplate(w).Spec.Containers, target) {
				r.problem("%s: port %s targets %s, which no container of %s declares", o.id(), portName(p),
					target.String(), w.id())
			}
		}
	}
}

func portName(p corev1.ServicePort) string {
	if p.Name != "" {
		return p.Name
	}
	return strconv.Itoa(int(p.Port))
}

func hasPort(containers []corev1.Container, target intstr.IntOrString) bool {
	for _, c := range containers {
		for _, cp := range c.Ports {
			if (target.Type == intstr.String && cp.Name == target.StrVal) ||
				(target.Type == intstr.Int && cp.ContainerPort == target.IntVal) {
				return true
			}
		}
	}
	return false
}

func (r *render) checkTarget(o object, kind, name, container, where string) {
	t := r.find(kind, name, o.namespace())
	if t == nil {
		r.problem("%s: %s %s %s is not part of the render in namespace %s", o.id(), where, kind, name, o.ns())
		return
	}
	if container == "" {
		return
	}
	if tpl := podTemplate(*t); tpl != nil {
		for _, c := range tpl.Spec.Containers {
			if c.Name == container {
				return
			}
		}
	}
	r.problem("%s: %s.envSourceContainerName %s is no container of %s", o.id(), where, container, t.id())
}

// reference records a reference to kind/name from o: present in o's namespace, else an accepted external, else a
// problem (unless the reference is optional).
func (r *render) reference(o object, where, kind, name, key string, optional bool) {
	target := r.find(kind, name, o.namespace())
	if target == nil {
		id := kind + "/" + name
		if r.external[id] {
			keys := r.report.External[id]
			if key != "" && !contains(keys, key) {
				keys = append(keys, key)
			}
			r.report.External[id] = append([]string{}, keys...)
			return
		}
		if !optional {
			r.problem("%s: %s names %s %s, which is not part of the render in namespace %s", o.id(), where, kind,
				name, o.ns())
		}
		return
	}
	if key == "" {
		return
	}
	switch t := target.typed.(type) {
	case *corev1.ConfigMap:
		_, inData := t.Data[key]
		_, inBinary := t.BinaryData[key]
		if !inData && !inBinary && !optional {
			r.problem("%s: %s reads key %s of ConfigMap %s, which has no such key", o.id(), where, key, name)
		}
	case *corev1.Secret:
		_, inData := t.Data[key]
		_, inString := t.StringData[key]
		if !inData && !inString && !optional {
			r.problem("%s: %s reads key %s of Secret %s, which has no such key", o.id(), where, key, name)
		}
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func isTrue(b *bool) bool { return b != nil && *b }

func (r *render) checkPod(o object, tpl *corev1.PodTemplateSpec) {
	spec := tpl.Spec
	volumes := map[string]bool{}
	for _, v := range spec.Volumes {
		volumes[v.Name] = true
		where := "volume " + v.Name
		switch {
		case v.ConfigMap != nil:
			r.reference(o, where, "ConfigMap", v.ConfigMap.Name, "", isTrue(v.ConfigMap.Optional))
			for _, item := range v.ConfigMap.Items {
				r.reference(o, where, "ConfigMap", v.ConfigMap.Name, item.Key, isTrue(v.ConfigMap.Optional))
			}
		case v.Secret != nil:
			r.reference(o, where, "Secret", v.Secret.SecretName, "", isTrue(v.Secret.Optional))
			for _, item := range v.Secret.Items {
				r.reference(o, where, "Secret", v.Secret.SecretName, item.Key, isTrue(v.Secret.Optional))
			}
		case v.PersistentVolumeClaim != nil:
			r.reference(o, where, "PersistentVolumeClaim", v.PersistentVolumeClaim.ClaimName, "", false)
		case v.Projected != nil:
			for _, src := range v.Projected.Sources {
				if src.ConfigMap != nil {
					r.reference(o, where, "ConfigMap", src.ConfigMap.Name, "", isTrue(src.ConfigMap.Optional))
				}
				if src.Secret != nil {
					r.reference(o, where, "Secret", src.Secret.Name, "", isTrue(src.Secret.Optional))
				}
			}
		}
	}
	if sts, ok := o.typed.(*appsv1.StatefulSet); ok {
		for _, c := range sts.Spec.VolumeClaimTemplates {
			volumes[c.Name] = true
		}
	}
	for _, s := range spec.ImagePullSecrets {
		r.reference(o, "imagePullSecrets", "Secret", s.Name, "", false)
	}
	all := append(append([]corev1.Container{}, spec.InitContainers...), spec.Containers...)
	for _, c := range all {
		where := "container " + c.Name
		for _, from := range c.EnvFrom {
			if from.ConfigMapRef != nil {
				r.reference(o, where+" envFrom", "ConfigMap", from.ConfigMapRef.Name, "",
					isTrue(from.ConfigMapRef.Optional))
			}
			if from.SecretRef != nil {
				r.reference(o, where+" envFrom", "Secret", from.SecretRef.Name, "", isTrue(from.SecretRef.Optional))
			}
		}
		for _, e := range c.Env {
			if e.ValueFrom == nil {
				r.checkServiceAddresses(o, where+" env "+e.Name, e.Value)
				continue
			}
			if ref := e.ValueFrom.ConfigMapKeyRef; ref != nil {
				r.reference(o, where+" env "+e.Name, "ConfigMap", ref.Name, ref.Key, isTrue(ref.Optional))
			}
			if ref := e.ValueFrom.SecretKeyRef; ref != nil {
				r.reference(o, where+" env "+e.Name, "Secret", ref.Name, ref.Key, isTrue(ref.Optional))
			}
		}
		for _, m := range c.VolumeMounts {
			if !volumes[m.Name] {
				r.problem("%s: %s mounts volume %s, which the pod does not define", o.id(), where, m.Name)
			}
		}
		for probeName, p := range map[string]*corev1.Probe{"startupProbe": c.StartupProbe,
			"livenessProbe": c.LivenessProbe, "readinessProbe": c.ReadinessProbe} {
			if p == nil {
				continue
			}
			var port *intstr.IntOrString
			switch {
			case p.HTTPGet != nil:
				port = &p.HTTPGet.Port
			case p.TCPSocket != nil:
				port = &p.TCPSocket.Port
			}
			if port != nil && port.Type == intstr.String && !hasPort([]corev1.Container{c}, *port) {
				r.problem("%s: %s %s uses port %s, which the container does not declare", o.id(), where, probeName,
					port.StrVal)
			}
		}
	}
}

// checkServiceAddresses: an address of a Service in the render's own namespace names a Service (and port) the
// render creates.
func (r *render) checkServiceAddresses(o object, where, value string) {
	for _, m := range serviceDNS.FindAllStringSubmatch(value, -1) {
		service, namespace, port := m[1], m[3], m[7]
		if namespace != o.namespace() {
			continue // another namespace: a service this render does not own
		}
		svc := r.find("Service", service, namespace)
		if svc == nil {
			r.problem("%s: %s addresses %s, but the render has no Service %s in namespace %s", o.id(), where, m[0],
				service, namespace)
			continue
		}
		if port == "" {
			continue
		}
		found := false
		if s, ok := svc.typed.(*corev1.Service); ok {
			for _, p := range s.Spec.Ports {
				if strconv.Itoa(int(p.Port)) == port {
					found = true
				}
			}
		}
		if !found {
			r.problem("%s: %s addresses %s, but Service %s has no port %s", o.id(), where, m[0], service, port)
		}
	}
}
