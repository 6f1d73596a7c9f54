package server

// tokenName is the name the history records of the writes the token
// allows (Config.TokenName), never the token.
func (s *Server) tokenName() string {
	if s.cfg.TokenName != "" {
		return s.cfg.TokenName
	}
	return "token"
}
