"""Messages to registered residents: audiences, frequency caps, approval, delivery and survey invitations."""
