package v1alpha1_test

import (
	"context"
	"encoding/json"

	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
)

func restGet(path string) ([]byte, error) {
	cfg := rest.CopyConfig(cluster.Config)
	cfg.GroupVersion = &schema.GroupVersion{}
	cfg.NegotiatedSerializer = scheme.Codecs.WithoutConversion()
	rc, err := rest.RESTClientFor(cfg)
	if err != nil {
		return nil, err
	}
	return rc.Get().AbsPath(path).DoRaw(context.Background())
}

func jsonUnmarshal(data []byte, v any) error { return json.Unmarshal(data, v) }
