"""The HR directory: employment status by email (`client.HrClient`, `fake.FakeHrServer`)."""
