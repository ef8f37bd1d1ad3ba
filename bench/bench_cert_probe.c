/* Placeholder benchmark driver for the cert probe. */
int main(void);

int main(void)
{
    return 0;
}
