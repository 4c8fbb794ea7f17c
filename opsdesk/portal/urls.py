app_name = "portal"
urlpatterns: list = []  # filled by the portal's views
