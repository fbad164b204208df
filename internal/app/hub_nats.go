package app

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/peregrine-sec/peregrine/internal/alert"
)

// NATSInput is a JetStream stream of Falco JSON alerts the hub consumes:
// what peregrine agents publish with the nats destination, so that
// detection scales out over many nodes and one hub routes and answers.
type NATSInput struct {
	URL     string // nats://host:4222
	Stream  string // the stream holding the alerts
	Subject string // optional filter subject
	Durable string // durable consumer name: the hub resumes where it stopped
}

// consumeNATS delivers every alert of the stream to handle until ctx ends,
// acknowledging each message once handled; a malformed message is
// terminated (not redelivered) and counted by bad.
func consumeNATS(ctx context.Context, in NATSInput, log *slog.Logger, handle func(*alert.Alert), bad func()) error {
	nc, err := nats.Connect(in.URL, nats.Name("peregrine-hub"), nats.MaxReconnects(-1))
	if err != nil {
		return fmt.Errorf("nats input %s: %w", in.URL, err)
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		return fmt.Errorf("nats input: %w", err)
	}
	cfg := jetstream.ConsumerConfig{Durable: in.Durable, AckPolicy: jetstream.AckExplicitPolicy,
		AckWait: 30 * time.Second, FilterSubject: in.Subject, MaxAckPending: 10000}
	cons, err := js.CreateOrUpdateConsumer(ctx, in.Stream, cfg)
	if err != nil {
		return fmt.Errorf("nats input: consumer %s on stream %s: %w", in.Durable, in.Stream, err)
	}
	cc, err := cons.Consume(func(m jetstream.Msg) {
		a, err := alert.ParseFalcoJSON(m.Data())
		if err != nil {
			bad()
			log.Warn("malformed alert on the NATS input", "subject", m.Subject(), "error", err)
			m.Term()
			return
		}
		handle(a)
		m.Ack()
	})
	if err != nil {
		return fmt.Errorf("nats input: %w", err)
	}
	log.Info("consuming alerts from NATS JetStream", "url", in.URL, "stream", in.Stream, "durable", in.Durable)
	<-ctx.Done()
	cc.Stop()
	return nil
}
