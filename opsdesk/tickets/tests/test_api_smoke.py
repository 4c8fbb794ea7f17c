def test_it_creates_and_reads_a_ticket(api, agent):
    client = api.as_(agent)
    created = client.post("/api/v1/tickets", {
        "title": "Exam submission down",
        "requester": {"name": "Le Ngoc A", "email": "ngoc.a.le@campus.example.edu.vn"},
        "impact": {"affected_users": 54, "critical_function": True, "failure_rate": 1.0},
    })
    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["cos"] == "expedite"
    assert body["ref"] == f"#{body['id']:05d}"
    got = client.get(f"/api/v1/tickets/{body['id']}")
    assert got.json()["title"] == "Exam submission down"
