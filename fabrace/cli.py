def main() -> None:
    print("fabrace")
