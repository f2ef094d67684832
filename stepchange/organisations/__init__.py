"""The organisations register: who works where, as far as e-mail domains can tell."""
