package vigie

import "context"

// Email is a message Vigie sends: a notice to a host, a forward to a
// partner hotline, a reminder, a word to a family. Text is always set;
// HTML is an optional alternative.
type Email struct {
	To      []string
	Cc      []string
	ReplyTo string
	Subject string
	Text    string
	HTML    string
	// Lang is the message's language ("fr", "en"), set as Content-Language.
	Lang string
	// MessageID is set by the sender when it is empty, and recorded: replies
	// and bounces refer to it.
	MessageID string
}

// Mailer sends e-mail. Send returns the Message-ID used. A failure to
// reach the server is EUNAVAILABLE, so that jobs retry it.
type Mailer interface {
	Send(ctx context.Context, e *Email) (messageID string, err error)
}
