print("bambu-serial")
