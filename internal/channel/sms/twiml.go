package sms

import "net/http"

// TwiMLContentType is the content type of a TwiML answer.
const TwiMLContentType = "text/xml"

const emptyTwiML = `<?xml version="1.0" encoding="UTF-8"?><Response/>`

// TwiMLEmpty returns the empty TwiML document a messaging webhook answers
// with when it sends no reply message: <Response/>. Serve it as
// TwiMLContentType.
func TwiMLEmpty() []byte { return []byte(emptyTwiML) }

// WriteTwiMLEmpty answers a Twilio webhook with status 200 and empty TwiML.
func WriteTwiMLEmpty(w http.ResponseWriter) {
	w.Header().Set("Content-Type", TwiMLContentType)
	w.WriteHeader(http.StatusOK)
	w.Write(TwiMLEmpty())
}
