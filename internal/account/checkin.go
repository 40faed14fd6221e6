package account

// ChecksInOnly reports whether the person does check-in at the door and
// nothing else: their home is the activities they admit visitors to.
func (p *Principal) ChecksInOnly() bool {
	return p != nil && p.Has(RoleCheckin) && !p.Has(RoleAdmin) && !p.Has(RoleCoordinator) && !p.Has(RoleFiler)
}
