"""Who a person is and for which firms they may act: accounts opened and recovered by a confirmed mobile number,
real-name identity (实名认证), claims of a firm as its legal representative, and agents the legal representative
delegates to. Every read of a firm's data starts from `selectors.memberships_in_force`."""
