"""Target decomposition (目标分解): department → teams → people → months, exact to the cent."""
