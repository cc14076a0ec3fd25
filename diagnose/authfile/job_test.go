package authfile

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"
)

// TestJobManifest checks scripts/k8s/acr-doctor-job.yaml: valid YAML, one
// Job that runs `check --authfile` on the file its secret volume mounts,
// once, with limits.
func TestJobManifest(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("..", "..", "scripts", "k8s", "acr-doctor-job.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if docs := splitYAML(data); len(docs) != 1 {
		t.Fatalf("%d YAML documents, want 1", len(docs))
	}
	type mount struct{ Name, MountPath string }
	var job struct {
		APIVersion string
		Kind       string
		Metadata   struct{ Name, Namespace string }
		Spec       struct {
			BackoffLimit            *int
			TTLSecondsAfterFinished *int
			ActiveDeadlineSeconds   *int
			Template                struct {
				Spec struct {
					RestartPolicy string
					NodeSelector  map[string]string
					Containers    []struct {
						Name, Image  string
						Command      []string
						Args         []string
						Resources    struct{ Requests, Limits map[string]string }
						VolumeMounts []mount
					}
					Volumes []struct {
						Name   string
						Secret *struct {
							SecretName string
							Items      []struct{ Key, Path string }
						}
					}
				}
			}
		}
	}
	j, err := yaml.YAMLToJSONStrict(data) // a duplicate key is an error
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(j, &job); err != nil {
		t.Fatal(err)
	}
	if job.APIVersion != "batch/v1" || job.Kind != "Job" {
		t.Errorf("a %s %s, want a batch/v1 Job", job.APIVersion, job.Kind)
	}
	if job.Metadata.Name == "" || job.Metadata.Namespace == "" {
		t.Errorf("metadata %+v: want a name and a namespace", job.Metadata)
	}
	s := job.Spec
	if s.BackoffLimit == nil || *s.BackoffLimit != 0 {
		t.Error("backoffLimit is not 0")
	}
	if s.TTLSecondsAfterFinished == nil || *s.TTLSecondsAfterFinished <= 0 {
		t.Error("no ttlSecondsAfterFinished")
	}
	if s.ActiveDeadlineSeconds == nil {
		t.Error("no activeDeadlineSeconds")
	}
	ps := s.Template.Spec
	if ps.RestartPolicy != "Never" {
		t.Errorf("restartPolicy %q", ps.RestartPolicy)
	}
	if ps.NodeSelector["kubernetes.io/os"] != "linux" {
		t.Error("not pinned to Linux nodes")
	}
	if len(ps.Containers) != 1 {
		t.Fatalf("%d containers", len(ps.Containers))
	}
	c := ps.Containers[0]
	argv := append(slices.Clone(c.Command), c.Args...)
	i := slices.Index(argv, "--authfile")
	if i < 0 || i+1 >= len(argv) || !slices.Contains(argv, "check") {
		t.Fatalf("command %q does not run check --authfile FILE", argv)
	}
	if f := slices.Index(argv, "--format"); f < 0 || argv[f+1] != "json" {
		t.Errorf("command %q does not ask for JSON", argv)
	}
	authfile := argv[i+1]
	if c.Resources.Limits["cpu"] == "" || c.Resources.Limits["memory"] == "" {
		t.Errorf("limits %v", c.Resources.Limits)
	}
	// The authfile is an item of the secret volume mounted where it is read.
	found := false
	for _, m := range c.VolumeMounts {
		for _, v := range ps.Volumes {
			if v.Name != m.Name || v.Secret == nil {
				continue
			}
			for _, it := range v.Secret.Items {
				if filepath.Join(m.MountPath, it.Path) == authfile && strings.HasSuffix(authfile, it.Key) {
					found = v.Secret.SecretName != ""
				}
			}
		}
	}
	if !found {
		t.Errorf("--authfile %s is not a key of a mounted secret volume", authfile)
	}
}
