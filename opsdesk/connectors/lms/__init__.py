"""The LMS admin API: account status, reactivation, password reset (`client.LmsClient`,
`fake.FakeLmsServer`)."""
