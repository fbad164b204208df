package storesinks

import (
	"context"
	"errors"
	"net"
	"strconv"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/peregrine-sec/peregrine/internal/alert"
	"github.com/peregrine-sec/peregrine/internal/output/sink"
)

func TestKafkaProduce(t *testing.T) {
	cluster, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(3, "alerts"))
	if err != nil {
		t.Fatal(err)
	}
	defer cluster.Close()
	brokers := cluster.ListenAddrs()
	s, err := newKafka(cfg(map[string]any{"brokers": brokers[0], "topic": "alerts", "key_field": "proc.name"}))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()

	var batch []*alert.Alert
	for i := range 25 {
		a := testAlert("rule-"+strconv.Itoa(i%3), alert.Warning, i)
		if i%5 == 0 {
			a.Fields = nil // no proc.name: the rule is the key
		}
		batch = append(batch, a)
	}
	if err := s.Send(context.Background(), batch); err != nil {
		t.Fatal(err)
	}

	consumer, err := kgo.NewClient(kgo.SeedBrokers(brokers...), kgo.ConsumeTopics("alerts"),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	if err != nil {
		t.Fatal(err)
	}
	defer consumer.Close()
	want := map[string]*alert.Alert{}
	for _, a := range batch {
		want[string(sink.FalcoJSON(a))] = a
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	got := 0
	for got < len(batch) {
		fs := consumer.PollFetches(ctx)
		if err := fs.Err0(); err != nil {
			t.Fatalf("after %d records: %v", got, err)
		}
		fs.EachRecord(func(r *kgo.Record) {
			got++
			a, ok := want[string(r.Value)]
			if !ok {
				t.Errorf("unexpected record %s", r.Value)
				return
			}
			delete(want, string(r.Value))
			wantKey := "bash"
			if a.Fields == nil {
				wantKey = a.Rule
			}
			if string(r.Key) != wantKey {
				t.Errorf("key %q, want %q", r.Key, wantKey)
			}
			if r.Topic != "alerts" || !r.Timestamp.Equal(time.Unix(0, a.Time).Truncate(time.Millisecond)) {
				t.Errorf("topic %s timestamp %v", r.Topic, r.Timestamp)
			}
		})
	}
	if len(want) != 0 {
		t.Errorf("%d alerts not consumed", len(want))
	}
}

func TestKafkaUnreachable(t *testing.T) {
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := ln.Addr().String()
	ln.Close()
	c := cfg(map[string]any{"brokers": []any{addr}, "topic": "alerts"})
	c.Common.Timeout = 500 * time.Millisecond
	s, err := newKafka(c)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	err = s.Send(context.Background(), []*alert.Alert{testAlert("r", alert.Error, 0)})
	if err == nil || sink.IsPermanent(err) {
		t.Errorf("unreachable broker: %v", err)
	}
}

func TestKafkaRecordTooLarge(t *testing.T) {
	cluster, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(1, "alerts"))
	if err != nil {
		t.Fatal(err)
	}
	defer cluster.Close()
	s, err := newKafka(cfg(map[string]any{"brokers": cluster.ListenAddrs(), "topic": "alerts"}))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	a := testAlert("r", alert.Error, 0)
	a.Message = string(make([]byte, 2<<20))
	err = s.Send(context.Background(), []*alert.Alert{a})
	if !sink.IsPermanent(err) || !errors.Is(err, kerr.MessageTooLarge) {
		t.Errorf("2 MiB record: %v", err)
	}
}

func TestKafkaConfig(t *testing.T) {
	for _, bad := range []map[string]any{
		{"topic": "t"},
		{"brokers": "b:9092"},
		{"brokers": "b:9092", "topic": "t", "sasl_mechanism": "gssapi", "sasl_user": "u"},
		{"brokers": "b:9092", "topic": "t", "sasl_mechanism": "plain"},
	} {
		if s, err := newKafka(cfg(bad)); err == nil {
			s.Close()
			t.Errorf("%v accepted", bad)
		}
	}
	for _, m := range []string{"plain", "scram-sha-256", "SCRAM-SHA-512"} {
		s, err := newKafka(cfg(map[string]any{"brokers": "b:9092", "topic": "t", "sasl_mechanism": m, "sasl_user": "u", "sasl_password": "p", "tls": true}))
		if err != nil {
			t.Errorf("%s: %v", m, err)
			continue
		}
		s.Close()
	}
}
