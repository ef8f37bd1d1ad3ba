/* Placeholder benchmark driver for the logs probe. */
int main(void);

int main(void)
{
    return 0;
}
