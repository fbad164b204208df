package storesinks

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/sasl"
	"github.com/twmb/franz-go/pkg/sasl/plain"
	"github.com/twmb/franz-go/pkg/sasl/scram"

	"github.com/peregrine-sec/peregrine/internal/alert"
	"github.com/peregrine-sec/peregrine/internal/output/sink"
)

func kafkaKind() sink.Kind {
	return sink.Kind{
		Name:    "kafka",
		Summary: "Apache Kafka topic (franz-go producer, acks=all, one record per alert)",
		Params: []sink.Param{
			{Name: "brokers", Type: "list", Required: true, Doc: "seed brokers, host:port"},
			{Name: "topic", Type: "string", Required: true, Doc: "topic the records are produced to"},
			{Name: "key_field", Type: "string", Doc: "output field (or extra field) whose value is the record key; the rule name when unset or when the alert lacks the field"},
			{Name: "client_id", Type: "string", Default: "peregrine", Doc: "Kafka client id"},
			{Name: "tls", Type: "bool", Default: "false", Doc: "connect with TLS (implied by any tls: option of the destination)"},
			{Name: "sasl_mechanism", Type: "string", Doc: "SASL mechanism: plain, scram-sha-256 or scram-sha-512"},
			{Name: "sasl_user", Type: "string", Doc: "SASL user"},
			{Name: "sasl_password", Type: "string", Doc: "SASL password"},
		},
		Example: `- name: kafka
  type: kafka
  min_priority: notice
  params:
    brokers: [kafka-0:9092, kafka-1:9092]
    topic: falco-alerts
    key_field: k8s.ns.name
`,
		MaxBatch: 1000,
		New:      newKafka,
	}
}

// kafkaSink produces each alert as one record: the value is Falco's JSON
// alert, the key the rule (or key_field), the timestamp the alert time.
type kafkaSink struct {
	client   *kgo.Client
	topic    string
	keyField string
	timeout  time.Duration
}

func newKafka(c sink.Config) (sink.Sink, error) {
	brokers, err := stringList(c, "brokers")
	if err != nil {
		return nil, err
	}
	if len(brokers) == 0 {
		return nil, fmt.Errorf("destination %s: parameter brokers is required", c.Name)
	}
	topic, err := c.Required("topic")
	if err != nil {
		return nil, err
	}
	useTLS, err := c.Bool("tls", false)
	if err != nil {
		return nil, err
	}
	to := timeout(c)
	opts := []kgo.Opt{
		kgo.SeedBrokers(brokers...),
		kgo.ClientID(c.String("client_id", "peregrine")),
		kgo.DefaultProduceTopic(topic),
		kgo.RequiredAcks(kgo.AllISRAcks()),
		kgo.ProducerLinger(0),
		kgo.ProduceRequestTimeout(to),
	}
	tc, err := c.Common.TLS.TLSConfig()
	if err != nil {
		return nil, fmt.Errorf("destination %s: %w", c.Name, err)
	}
	if tc == nil && useTLS {
		tc = &tls.Config{MinVersion: tls.VersionTLS12}
	}
	if tc != nil {
		opts = append(opts, kgo.DialTLSConfig(tc))
	}
	mech, err := kafkaSASL(c)
	if err != nil {
		return nil, err
	}
	if mech != nil {
		opts = append(opts, kgo.SASL(mech))
	}
	client, err := kgo.NewClient(opts...)
	if err != nil {
		return nil, fmt.Errorf("destination %s: %w", c.Name, err)
	}
	return &kafkaSink{client: client, topic: topic, keyField: c.String("key_field", ""), timeout: to}, nil
}

// kafkaSASL builds the SASL mechanism of the parameters (nil for none).
func kafkaSASL(c sink.Config) (sasl.Mechanism, error) {
	m, err := oneOf(c, "sasl_mechanism", "", "", "plain", "scram-sha-256", "scram-sha-512")
	if err != nil || m == "" {
		return nil, err
	}
	user, pass := c.String("sasl_user", ""), c.String("sasl_password", "")
	if user == "" {
		return nil, fmt.Errorf("destination %s: sasl_user is required with sasl_mechanism %s", c.Name, m)
	}
	switch m {
	case "plain":
		return plain.Auth{User: user, Pass: pass}.AsMechanism(), nil
	case "scram-sha-256":
		return scram.Auth{User: user, Pass: pass}.AsSha256Mechanism(), nil
	default:
		return scram.Auth{User: user, Pass: pass}.AsSha512Mechanism(), nil
	}
}

// key is the record key of an alert.
func (s *kafkaSink) key(a *alert.Alert) []byte {
	if s.keyField != "" {
		for _, f := range a.Fields {
			if f.Key == s.keyField && f.Kind != alert.Null {
				return []byte(f.Text)
			}
		}
		if v, ok := a.Extra[s.keyField]; ok {
			return []byte(v)
		}
	}
	return []byte(a.Rule)
}

// Send produces the batch and returns once every record was acknowledged
// by all in-sync replicas (or failed). Errors Kafka marks non-retriable
// (message too large, authorization, invalid record, ...) are permanent;
// timeouts and unreachable brokers are retryable.
func (s *kafkaSink) Send(ctx context.Context, batch []*alert.Alert) error {
	if len(batch) == 0 {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	recs := make([]*kgo.Record, len(batch))
	for i, a := range batch {
		ts := time.Unix(0, a.Time)
		if a.Time <= 0 {
			ts = time.Now()
		}
		recs[i] = &kgo.Record{Topic: s.topic, Key: s.key(a), Value: sink.FalcoJSON(a), Timestamp: ts}
	}
	var failed int
	var first error
	for _, r := range s.client.ProduceSync(ctx, recs...) {
		if r.Err != nil {
			failed++
			if first == nil {
				first = r.Err
			}
		}
	}
	if first == nil {
		return nil
	}
	err := fmt.Errorf("kafka topic %s: %d of %d records failed: %w", s.topic, failed, len(recs), first)
	var ke *kerr.Error
	if errors.As(first, &ke) && !ke.Retriable {
		return sink.Permanent(err)
	}
	return err
}

// Close flushes nothing (Send is synchronous) and closes the client.
func (s *kafkaSink) Close() error {
	s.client.Close()
	return nil
}
